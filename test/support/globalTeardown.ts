export default async function globalTeardown(): Promise<void> {
  await globalThis.__KEYGATE_DYNAMO__?.stop();
}
