// Preloaded (node --require) into a local stack by test/e2e/lifecycle.test.ts: the process dies of
// an uncaught error right after it says ready, which is what start.ts's 'exit' fallback is for.
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  const result = write(chunk, ...rest);
  if (String(chunk).includes('ready at')) {
    setImmediate(() => {
      throw new Error('keygate e2e: crash after ready');
    });
  }
  return result;
};
