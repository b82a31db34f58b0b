/**
 * 2. Cold start: bundle sizes, and the time a fresh `node` process takes to load a bundle and answer
 * its first event (a real GetItem against DynamoDB Local), for the authorizer and for the floor.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { summarize, type Summary } from './stats';

const ROOT = resolve(__dirname, '../..');

/** The esbuild options serverless.yml gives serverless-esbuild, for bundles built outside packaging. */
export const LAMBDA_BUILD = {
  bundle: true,
  minify: true,
  treeShaking: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  legalComments: 'none',
} as const;

export function bundle(entry: string, outDir: string, name: string): { file: string; bytes: number } {
  const file = join(outDir, `${name}.js`);
  buildSync({ ...LAMBDA_BUILD, entryPoints: [resolve(ROOT, entry)], outfile: file, logLevel: 'error' });
  return { file, bytes: statSync(file).size };
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
  authorizer: ColdStartRow;
  floor: ColdStartRow;
  admin: { bytes: number };
  sizeRatio: number;
  coldRatio: number;
}

export function benchColdStart(
  endpoint: string,
  table: string,
  key: string,
  keyId: string,
  runs = 11,
): ColdStartResult {
  const out = mkdtempSync(join(tmpdir(), 'keygate-bench-'));
  const authorizer = bundle('src/authorizer/handler.ts', out, 'authorizer');
  const admin = bundle('src/admin/handler.ts', out, 'admin');
  const floor = bundle('scripts/bench/floor.ts', out, 'floor');
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
    authorizer: authorizerRow,
    floor: floorRow,
    admin: { bytes: admin.bytes },
    sizeRatio: authorizer.bytes / floor.bytes,
    coldRatio: authorizerRow.firstAnswer.p50 / floorRow.firstAnswer.p50,
  };
}
