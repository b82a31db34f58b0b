/**
 * 1. Verification cost in-process: the real authorizer handler (middy-wrapped) on a warm container.
 *   (a) in-memory cache hit, (b) cache miss against DynamoDB Local over loopback, next to the same
 *   GetItem issued directly with the SDK, (c) malformed key (rejected before any read).
 */
import type { Context } from 'aws-lambda';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { handler, resetForTests } from '../../src/authorizer/handler';
import { createDocumentClient } from '../../src/store/client';
import { DynamoKeyStore } from '../../src/store/dynamoKeyStore';
import { benchKey } from './key';
import { summarize, timeCalls, type Summary } from './stats';

export interface VerifyResult {
  cacheHit: Summary;
  cacheMiss: Summary;
  bareGetItem: Summary;
  malformed: Summary;
  missOverheadPct: number;
}

const event = (key: string) => ({
  version: '2.0',
  type: 'REQUEST',
  routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/$default/POST/v1/listen',
  identitySource: [key],
  routeKey: 'POST /v1/listen',
  headers: { 'x-api-key': key, 'content-type': 'audio/wav', 'user-agent': 'bench' },
});

export async function benchVerify(endpoint: string, table: string, scale = 1): Promise<VerifyResult> {
  const { key, record } = benchKey(['listen', 'speak']);
  const client = createDocumentClient({ endpoint, region: 'local' });
  await new DynamoKeyStore(client, table).create(record);

  process.env.KEYS_TABLE = table;
  process.env.DYNAMODB_ENDPOINT = endpoint;
  process.env.LOG_LEVEL = 'error'; // denials log at info: keep the benchmark's stdout clean
  const ctx = {} as Context;
  const call = (e: unknown) => () => handler(e as never, ctx);

  process.env.MEMORY_CACHE_TTL = '3600';
  resetForTests();
  const cacheHit = summarize(await timeCalls(call(event(key)), 20_000 * scale));
  const malformed = summarize(await timeCalls(call(event('kg_not-a-key')), 20_000 * scale));

  // Misses and bare reads interleaved in rounds so both see the same machine load.
  process.env.MEMORY_CACHE_TTL = '0';
  resetForTests();
  const bare = () =>
    client.send(new GetCommand({ TableName: table, Key: { keyId: record.keyId, sk: 'key' }, ConsistentRead: true }));
  const miss: number[] = [];
  const direct: number[] = [];
  for (let round = 0; round < 10; round++) {
    miss.push(...(await timeCalls(call(event(key)), 200 * scale, 20)));
    direct.push(...(await timeCalls(bare, 200 * scale, 20)));
  }
  client.destroy();
  const cacheMiss = summarize(miss);
  const bareGetItem = summarize(direct);
  return {
    cacheHit,
    cacheMiss,
    bareGetItem,
    malformed,
    missOverheadPct: ((cacheMiss.p50 - bareGetItem.p50) / bareGetItem.p50) * 100,
  };
}
