/** 3. Gateway overhead: placeholder until the local stack lands. */
export interface LoadRow { name: string; requestsPerSecond: number; p50: number; p99: number; errors: number; non2xx: number }
export async function benchGateway(seconds: number) {
  const empty: LoadRow = { name: 'n/a', requestsPerSecond: 0, p50: 0, p99: 0, errors: 0, non2xx: 0 };
  return { seconds, connections: 0, bodyBytes: 0, viaGateway: empty, direct: empty, ratio: 0 };
}
