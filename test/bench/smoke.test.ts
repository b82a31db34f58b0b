/**
 * A short run of the benchmark code (`npm run bench -- --quick`): it must run end to end and
 * produce well-formed figures. No timing is asserted here: figures belong to `npm run bench`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../..');
let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'keygate-bench-smoke-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

it('runs every benchmark and writes its figures as JSON', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/bench/index.ts', '--quick'], {
    cwd: ROOT,
    env: { ...process.env, KEYGATE_HOME: home },
    timeout: 150_000,
  });
  for (const section of ['1. Verification cost', '2. Cold start', '3. Gateway overhead', '4. DynamoDB reads', 'Cost per million']) {
    expect(stdout).toContain(section);
  }
  const file = join(home, 'bench', 'quick.json');
  expect(stdout).toContain(`figures written to ${file}`);
  const figures = JSON.parse(readFileSync(file, 'utf8'));
  expect(figures.quick).toBe(true);
  for (const s of [figures.verify.cacheHit, figures.verify.cacheMiss, figures.verify.bareGetItem, figures.verify.malformed]) {
    expect(s.n).toBeGreaterThan(0);
    expect(s.p50).toBeGreaterThan(0);
    expect(s.p99).toBeGreaterThanOrEqual(s.p50);
  }
  expect(figures.cold.authorizer.bytes).toBeGreaterThan(100_000);
  expect(figures.cold.authorizer.zipBytes).toBeGreaterThan(10_000);
  expect(figures.cold.authorizer.zipBytes).toBeLessThan(figures.cold.authorizer.bytes);
  expect(figures.cold.floor.bytes).toBeGreaterThan(100_000);
  const { withLatency } = figures.gateway;
  expect(withLatency.delayMs).toBeGreaterThan(0);
  for (const row of [figures.gateway.viaGateway, figures.gateway.bareProxy, figures.gateway.direct, withLatency.viaGateway, withLatency.direct]) {
    expect(row.requestsPerSecond).toBeGreaterThan(0);
    expect(row.errors + row.non2xx + row.timeouts).toBe(0);
  }
  // Counted, so exact: one key, 1,000 requests at 10/s for 100 s.
  const row = (g: number, m: number, rps: number) =>
    figures.reads.find((r: { gatewayTtl: number; memoryTtl: number; requestsPerSecond: number }) =>
      r.gatewayTtl === g && r.memoryTtl === m && r.requestsPerSecond === rps);
  expect(row(0, 0, 10).dynamoReads).toBe(1000);
  expect(row(300, 30, 10)).toMatchObject({ authorizerInvocations: 1, dynamoReads: 1 });
  expect(row(0, 30, 1).dynamoReads).toBe(34); // 1,000 s / 30 s windows
}, 180_000);
