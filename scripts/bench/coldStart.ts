/**
 * 2. Cold start: bundle sizes, and the time a fresh `node` process takes to load a bundle and answer
 * its first event (a real GetItem against DynamoDB Local), for the authorizer and for the floor.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { packageOffline } from '../template/package';
import { readZip } from '../template/zip';
import { summarize, type Summary } from './stats';

const ROOT = resolve(__dirname, '../..');

/** serverless.yml's `custom.esbuild`, the options packaging bundles with, read from the packaged service. */
function packagingBuildOptions(serviceDir: string): Record<string, unknown> {
  const state = JSON.parse(readFileSync(join(serviceDir, 'out', 'serverless-state.json'), 'utf8'));
  const { bundle, minify, treeShaking, sourcemap, target, platform, format, mainFields, legalComments } =
    state.service.custom.esbuild;
  return { bundle, minify, treeShaking, sourcemap, target, platform, format, mainFields, legalComments };
}

/** The authorizer and admin bundles exactly as `serverless package` produces them, unzipped. */
async function packagedBundles(outDir: string) {
  const packaged = await packageOffline({ stage: 'prod' });
  try {
    const bundles: Record<string, { file: string; bytes: number; zipBytes: number }> = {};
    for (const [name, zipPath] of Object.entries(packaged.artifacts)) {
      const entry = [...readZip(readFileSync(zipPath)).entries()].find(([file]) => file.endsWith('.js'));
      if (!entry) throw new Error(`no JavaScript in ${zipPath}`);
      const file = join(outDir, `${name}.js`);
      writeFileSync(file, entry[1]);
      bundles[name] = { file, bytes: entry[1].length, zipBytes: statSync(zipPath).size };
    }
    return { bundles, options: packagingBuildOptions(packaged.dir) };
  } finally {
    packaged.dispose();
  }
}

/** Milliseconds from `require` to the first answer, measured inside a fresh process. */
function firstAnswerMs(file: string, event: unknown, env: NodeJS.ProcessEnv): { firstAnswer: number; process: number } {
  const probe = `
    const t0 = performance.now();
    const { handler } = require(${JSON.stringify(file)});
    Promise.resolve(handler(${JSON.stringify(event)}, {})).then((answer) => {
      const t1 = performance.now();
      process.stdout.write(JSON.stringify({ ms: t1 - t0, ok: answer !== undefined }));
    });`;
  const start = process.hrtime.bigint();
  const out = execFileSync(process.execPath, ['-e', probe], { env, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const { ms } = JSON.parse(out) as { ms: number };
  return { firstAnswer: ms, process: wall };
}

export interface ColdStartRow {
  name: string;
  bytes: number;
  firstAnswer: Summary;
  process: Summary;
}

export interface ColdStartResult {
  authorizer: ColdStartRow & { zipBytes: number };
  floor: ColdStartRow;
  admin: { bytes: number; zipBytes: number };
  sizeRatio: number;
  coldRatio: number;
}

export async function benchColdStart(
  endpoint: string,
  table: string,
  key: string,
  keyId: string,
  runs = 11,
): Promise<ColdStartResult> {
  const out = mkdtempSync(join(tmpdir(), 'keygate-bench-'));
  const { bundles, options } = await packagedBundles(out);
  const { authorizer, admin } = bundles;
  // The floor, bundled with the very options packaging used for the authorizer.
  const floorFile = join(out, 'floor.js');
  buildSync({ ...options, entryPoints: [resolve(ROOT, 'scripts/bench/floor.ts')], outfile: floorFile, logLevel: 'error' });
  const floor = { file: floorFile, bytes: statSync(floorFile).size };
  writeFileSync(join(out, 'package.json'), '{}');
  const env = {
    PATH: process.env.PATH,
    KEYS_TABLE: table,
    DYNAMODB_ENDPOINT: endpoint,
    LOG_LEVEL: 'error',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const authEvent = {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/$default/POST/v1/listen',
    headers: { 'x-api-key': key },
  };
  // Interleaved, so both see the same machine load and page cache.
  const samples = { floor: [[], []] as number[][], authorizer: [[], []] as number[][] };
  for (let i = 0; i < runs; i++) {
    for (const [name, file, event] of [
      ['floor', floor.file, { keyId }],
      ['authorizer', authorizer.file, authEvent],
    ] as const) {
      const { firstAnswer, process: wall } = firstAnswerMs(file, event, env);
      samples[name][0].push(firstAnswer);
      samples[name][1].push(wall);
    }
  }
  const row = (name: 'floor' | 'authorizer', bytes: number): ColdStartRow => ({
    name,
    bytes,
    firstAnswer: summarize(samples[name][0]),
    process: summarize(samples[name][1]),
  });
  const floorRow = row('floor', floor.bytes);
  const authorizerRow = row('authorizer', authorizer.bytes);
  return {
    authorizer: { ...authorizerRow, zipBytes: authorizer.zipBytes },
    floor: floorRow,
    admin: { bytes: admin.bytes, zipBytes: admin.zipBytes },
    sizeRatio: authorizer.bytes / floor.bytes,
    coldRatio: authorizerRow.firstAnswer.p50 / floorRow.firstAnswer.p50,
  };
}
