/**
 * 4. DynamoDB reads per 1,000 requests for one key, counted (not computed): requests go through an
 * emulation of API Gateway's per-key result cache into the real authorizer (createAuthorizer, with
 * its in-memory cache) whose store counts GetItem calls. A controlled clock spaces the requests.
 */
import { createAuthorizer } from '../../src/authorizer/authorize';
import { TtlCache } from '../../src/lib/ttlCache';
import { createLogger } from '../../src/lib/log';
import { benchKey } from './key';
import type { KeyReader } from '../../src/store/keyStore';

export interface ReadsRow {
  gatewayTtl: number;
  memoryTtl: number;
  requestsPerSecond: number;
  authorizerInvocations: number;
  dynamoReads: number;
}

export async function countReads(gatewayTtl: number, memoryTtl: number, requestsPerSecond: number): Promise<ReadsRow> {
  const { key, record } = benchKey(['listen']);
  let now = 1_700_000_000_000;
  let reads = 0;
  const store: KeyReader = { get: async (id) => (reads++, id === record.keyId ? record : undefined) };
  const authorize = createAuthorizer({
    store,
    cache: new TtlCache(memoryTtl * 1000, 10_000, () => now),
    log: createLogger('bench', 'error'),
    now: () => now,
  });
  const gatewayCache = new TtlCache<unknown>(gatewayTtl * 1000, 10_000, () => now);
  let invocations = 0;
  const event = {
    routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/$default/POST/v1/listen',
    headers: { 'x-api-key': key },
  };
  for (let i = 0; i < 1000; i++) {
    if (gatewayCache.get(key) === undefined) {
      invocations++;
      gatewayCache.set(key, await authorize(event));
    }
    now += 1000 / requestsPerSecond;
  }
  return { gatewayTtl, memoryTtl, requestsPerSecond, authorizerInvocations: invocations, dynamoReads: reads };
}

export async function benchReads(): Promise<ReadsRow[]> {
  const rows: ReadsRow[] = [];
  for (const [gatewayTtl, memoryTtl] of [
    [0, 0],
    [0, 30],
    [300, 0],
    [300, 30],
    [3600, 30],
  ]) {
    for (const rps of [10, 1]) rows.push(await countReads(gatewayTtl, memoryTtl, rps));
  }
  return rows;
}
