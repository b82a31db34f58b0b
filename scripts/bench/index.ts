/**
 * `npm run bench`: measures the authorizer and the gateway on this machine, prints a table and
 * writes the same figures as JSON under .keygate/bench/. `--quick` runs a few iterations of
 * everything (the smoke test in `npm test` uses it; its figures mean nothing).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { startDynamoLocal } from '../lib/dynamoLocal';
import { ensureKeysTable } from '../lib/table';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../src/store/client';
import { DynamoKeyStore } from '../../src/store/dynamoKeyStore';
import { benchKey } from './key';
import { benchVerify } from './verify';
import { benchColdStart } from './coldStart';
import { benchReads } from './reads';
import { benchGateway } from './gateway';
import { costTable } from './cost';
import { round } from './stats';

const quick = process.argv.includes('--quick');
const outDir = resolve(process.env.KEYGATE_HOME ?? resolve(__dirname, '../../.keygate'), 'bench');

function line(cells: (string | number)[], widths: number[]): string {
  return cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
}

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dynamo = await startDynamoLocal();
  const table = 'keygate-bench';
  const raw = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'local', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
  await ensureKeysTable(raw, table);
  raw.destroy();

  try {
    const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
    console.log(`Keygate benchmarks${quick ? ' (quick smoke run: figures are not meaningful)' : ''} on ${machine}\n`);

    const verify = await benchVerify(dynamo.endpoint, table, quick ? 0.01 : 1);
    console.log('1. Verification cost in-process (microseconds)');
    const w1 = [44, 10, 10];
    console.log(line(['case', 'p50', 'p99'], w1));
    for (const [name, s] of [
      ['(a) in-memory cache hit', verify.cacheHit],
      ['(b) cache miss (GetItem, DynamoDB Local)', verify.cacheMiss],
      ['    bare GetItem with the SDK', verify.bareGetItem],
      ['(c) malformed key, no read', verify.malformed],
    ] as const) {
      console.log(line([name, round(s.p50), round(s.p99)], w1));
    }
    console.log(`handler overhead on a miss (p50): ${round(verify.missOverheadPct)}%\n`);

    const { key, record } = benchKey();
    const keyId = record.keyId;
    const client = createDocumentClient({ endpoint: dynamo.endpoint, region: 'local' });
    await new DynamoKeyStore(client, table).create(record);
    client.destroy();
    const cold = await benchColdStart(dynamo.endpoint, table, key, keyId, quick ? 2 : 15);
    console.log('2. Cold start (bundles from `serverless package`; a fresh node process requires one and answers an event with a GetItem)');
    const w2 = [12, 12, 12, 22, 22];
    console.log(line(['bundle', 'JS bytes', 'zip bytes', 'first answer p50 ms', 'whole process p50 ms'], w2));
    console.log(line(['authorizer', cold.authorizer.bytes, cold.authorizer.zipBytes, round(cold.authorizer.firstAnswer.p50), round(cold.authorizer.process.p50)], w2));
    console.log(line(['floor', cold.floor.bytes, '-', round(cold.floor.firstAnswer.p50), round(cold.floor.process.p50)], w2));
    console.log(line(['admin', cold.admin.bytes, cold.admin.zipBytes, '-', '-'], w2));
    console.log(`authorizer / floor: size ${round(cold.sizeRatio, 3)}x, cold first answer ${round(cold.coldRatio, 3)}x\n`);

    const gateway = await benchGateway(quick ? 1 : 10);
    console.log(`3. Gateway overhead (autocannon, ${gateway.seconds} s, ${gateway.connections} connections, POST /v1/listen ${gateway.bodyBytes}-byte body)`);
    const w3 = [26, 12, 10, 10, 8];
    console.log(line(['target', 'requests/s', 'p50 ms', 'p99 ms', 'errors'], w3));
    for (const r of [gateway.viaGateway, gateway.bareProxy, gateway.direct]) {
      console.log(line([r.name, round(r.requestsPerSecond), r.p50, r.p99, r.errors + r.non2xx + r.timeouts], w3));
    }
    console.log(
      `throughput ratio gateway/direct: ${round(gateway.ratio, 3)}; gateway/bare Node proxy: ${round(gateway.ratioToBareProxy, 3)}`,
    );
    const slow = gateway.withLatency;
    for (const r of [slow.viaGateway, slow.direct]) {
      console.log(line([r.name, round(r.requestsPerSecond), r.p50, r.p99, r.errors + r.non2xx + r.timeouts], w3));
    }
    console.log(`throughput ratio with a ${slow.delayMs} ms upstream: ${round(slow.ratio, 3)}\n`);

    const reads = await benchReads();
    console.log('4. DynamoDB reads per 1,000 requests for one key (counted)');
    const w4 = [16, 15, 8, 24, 14];
    console.log(line(['gateway TTL s', 'memory TTL s', 'req/s', 'authorizer invocations', 'DynamoDB reads'], w4));
    for (const r of reads) {
      console.log(line([r.gatewayTtl, r.memoryTtl, r.requestsPerSecond, r.authorizerInvocations, r.dynamoReads], w4));
    }

    const cost = costTable();
    console.log('\nCost per million requests (USD, bodies <= 512 KB, 512 MB arm64 authorizer as deployed, 10 ms billed per invocation)');
    const w5 = [18, 16, 10, 12, 12, 14, 10];
    console.log(line(['gateway cache hit', 'memory cache hit', 'HTTP API', 'authorizer', 'DynamoDB', 'Keygate total', 'REST API'], w5));
    for (const c of cost) {
      console.log(
        line(
          [`${c.gatewayCacheHitRate * 100}%`, `${c.memoryCacheHitRate * 100}%`, c.httpApi.toFixed(2), c.lambda.toFixed(4), c.dynamo.toFixed(4), c.keygateTotal.toFixed(4), c.restApi.toFixed(2)],
          w5,
        ),
      );
    }

    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, quick ? 'quick.json' : 'results.json');
    writeFileSync(file, JSON.stringify({ machine, date: new Date().toISOString(), quick, verify, cold, gateway, reads, cost }, null, 2));
    console.log(`\nfigures written to ${file}`);
  } finally {
    await dynamo.stop();
  }
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
