/**
 * The whole local stack: DynamoDB Local (+ the keys table), the built-in mock upstream (unless
 * DEEPGRAM_URL is set) and the gateway with the real authorizer and admin handlers in-process.
 * `scripts/start.ts` is the command line around it; the benchmarks can start it too.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoLocal, type DynamoLocal } from '../lib/dynamoLocal';
import { ensureKeysTable } from '../lib/table';
import { createAccessLog } from './accessLog';
import { handler as authorizerHandler } from '../../src/authorizer/handler';
import { handler as adminHandler } from '../../src/admin/handler';
import type { LambdaHandler } from './authorizer';
import { localApi } from './event';
import { createGateway, type GatewayBackends } from './gateway';
import { startMockUpstream, type MockUpstream } from './mockUpstream';
import { stackFile, stateHome } from './home';
import { PREFIX_PATTERN } from '../../src/keys/token';

export interface StackConfig {
  /** State directory: admin token, stack.json, DynamoDB data. KEYGATE_HOME, default <repo>/.keygate. */
  home: string;
  /** PORT (default 4000; 0 = any free port). */
  port: number;
  /** --in-memory / KEYGATE_IN_MEMORY=1: DynamoDB Local keeps nothing on disk. */
  inMemory: boolean;
  /** KEYS_TABLE, default keygate-keys-local. */
  table: string;
  region: string;
  /** AUTHORIZER_CACHE_TTL seconds (default 300, 0 = off, at most 3600 like API Gateway). */
  cacheTtlSeconds: number;
  /** IDENTITY_SOURCE (or IDENTITY_HEADER): `x-api-key` (default) or `authorization`. */
  identityHeader: string;
  /** INTEGRATION_TIMEOUT_MS (default 30000, API Gateway's limit). */
  integrationTimeoutMs: number;
  /** DEEPGRAM_URL; the built-in mock upstream when absent. */
  upstreamUrl?: string;
  /** ACCESS_LOG: a file for the access log; stdout when absent. */
  accessLogPath?: string;
}

export interface StackInfo {
  url: string;
  upstreamUrl: string;
  upstream: 'mock' | 'DEEPGRAM_URL';
  dynamodbEndpoint: string;
  region: string;
  table: string;
  adminToken: string;
  home: string;
  inMemory: boolean;
  authorizerCacheTtl: number;
  identitySource: string;
  pid: number;
  startedAt: string;
}

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

export function configFromEnv(env: NodeJS.ProcessEnv, inMemoryFlag = false): StackConfig {
  // IDENTITY_SOURCE, or IDENTITY_HEADER (the authorizer's name for the same setting).
  const identityRaw = env.IDENTITY_SOURCE || env.IDENTITY_HEADER || 'x-api-key';
  const identity = identityRaw.toLowerCase();
  if (identity !== 'x-api-key' && identity !== 'authorization') {
    throw new ConfigError(`IDENTITY_SOURCE must be x-api-key or authorization (got "${identityRaw}")`);
  }
  let upstreamUrl: string | undefined;
  if (env.DEEPGRAM_URL) {
    let url: URL;
    try {
      url = new URL(env.DEEPGRAM_URL);
    } catch {
      throw new ConfigError(`DEEPGRAM_URL is not a URL: "${env.DEEPGRAM_URL}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('DEEPGRAM_URL must be http(s)://...');
    upstreamUrl = url.toString();
  }
  // Settings the in-process handlers read on their first request: checked here, so a typo fails
  // the start with one line instead of turning every request into a 500.
  integer(env, 'MEMORY_CACHE_TTL', 30, 0, 3600);
  integer(env, 'MAX_KEY_LIFETIME_DAYS', 365, 0, 36_500);
  if (env.KEY_PREFIX && !PREFIX_PATTERN.test(env.KEY_PREFIX)) {
    throw new ConfigError(`KEY_PREFIX must be 2-10 characters a-z0-9, starting with a letter (got "${env.KEY_PREFIX}")`);
  }
  return {
    home: stateHome(env),
    port: integer(env, 'PORT', 4000, 0, 65535),
    inMemory: inMemoryFlag || env.KEYGATE_IN_MEMORY === '1' || env.KEYGATE_IN_MEMORY === 'true',
    table: env.KEYS_TABLE || 'keygate-keys-local',
    region: 'local',
    cacheTtlSeconds: integer(env, 'AUTHORIZER_CACHE_TTL', 300, 0, 3600),
    identityHeader: identity,
    integrationTimeoutMs: integer(env, 'INTEGRATION_TIMEOUT_MS', 30_000, 1, 30_000),
    upstreamUrl,
    accessLogPath: env.ACCESS_LOG || undefined,
  };
}

/** The admin token: random, made on first start, kept (0600) in the state directory, reused after. */
export function adminToken(home: string): string {
  const file = join(home, 'admin-token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    chmodSync(file, 0o600);
    if (/^[A-Za-z0-9_-]{32,}$/.test(token)) return token;
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Refuses to run two stacks on one state directory (they would share the DynamoDB files). */
function assertNotRunning(home: string): void {
  const file = stackFile(home);
  if (!existsSync(file)) return;
  try {
    const previous = JSON.parse(readFileSync(file, 'utf8')) as Partial<StackInfo>;
    if (previous.pid && previous.pid !== process.pid && alive(previous.pid)) {
      throw new ConfigError(
        `a Keygate stack is already running from ${home} (pid ${previous.pid}, ${previous.url}); ` +
          `stop it, or set KEYGATE_HOME to another directory (delete ${file} if that pid is not Keygate)`,
      );
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
  }
}

function listen(server: import('node:http').Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new ConfigError(`port ${port} on 127.0.0.1 is already in use: stop what uses it or set PORT to another port`)
          : error,
      );
    });
    // 127.0.0.1 only: the local gateway is a development tool, not a service for the network.
    server.listen(port, '127.0.0.1', () => resolvePort((server.address() as AddressInfo).port));
  });
}

export interface Stack {
  info: StackInfo;
  /** Resolves if DynamoDB Local exits on its own while the stack runs (with its exit code). */
  dynamoExited: Promise<number | null>;
  /** The DynamoDB Local child process, for a last-resort kill when this process dies. */
  dynamoProcess: import('node:child_process').ChildProcess;
  stop(): Promise<void>;
}

export interface StackHandlers {
  authorizer: LambdaHandler;
  admin: LambdaHandler;
}

export interface StartOptions {
  /**
   * Aborting stops the start: checked after each step (the port, DynamoDB Local, the table, the
   * mock upstream), everything started so far is stopped and startStack rejects with StartAborted.
   */
  signal?: AbortSignal;
  /** Called with the DynamoDB Local process as soon as it answers, before the start completes. */
  onDynamoLocal?: (process: import('node:child_process').ChildProcess) => void;
}

/** startStack's rejection when its StartOptions.signal was aborted. */
export class StartAborted extends Error {
  constructor() {
    super('start aborted');
  }
}

const REAL_HANDLERS: StackHandlers = {
  authorizer: authorizerHandler as LambdaHandler,
  admin: adminHandler as LambdaHandler,
};

export async function startStack(
  config: StackConfig,
  handlers: StackHandlers = REAL_HANDLERS,
  options: StartOptions = {},
): Promise<Stack> {
  const checkAborted = () => {
    if (options.signal?.aborted) throw new StartAborted();
  };
  checkAborted();
  mkdirSync(config.home, { recursive: true, mode: 0o700 });
  assertNotRunning(config.home);
  const token = adminToken(config.home);
  const accessLog = createAccessLog(config.accessLogPath);
  const file = stackFile(config.home);

  let backendsReady!: (backends: GatewayBackends) => void;
  let backendsFailed!: (error: Error) => void;
  const backends = new Promise<GatewayBackends>((res, rej) => {
    backendsReady = res;
    backendsFailed = rej;
  });
  backends.catch(() => undefined);

  const { server } = createGateway({
    api: localApi(config.region),
    backends,
    adminToken: token,
    cacheTtlSeconds: config.cacheTtlSeconds,
    identityHeader: config.identityHeader,
    integrationTimeoutMs: config.integrationTimeoutMs,
    accessLog,
  });
  let listening = false;
  let dynamo: DynamoLocal | undefined;
  let mock: MockUpstream | undefined;
  let stopping = false;

  // Front to back: no new requests, then the upstream, then the database, then the files.
  const stop = async () => {
    stopping = true;
    if (listening) {
      listening = false;
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    }
    await mock?.close().catch(() => undefined);
    await dynamo?.stop().catch(() => undefined);
    rmSync(file, { force: true });
    await accessLog.close();
  };

  try {
    // The port first: a port in use fails in milliseconds, before Java starts.
    const port = await listen(server, config.port);
    listening = true;
    checkAborted();

    dynamo = await startDynamoLocal({ dbPath: config.inMemory ? undefined : join(config.home, 'dynamodb') });
    options.onDynamoLocal?.(dynamo.process);
    checkAborted();
    const dynamoExited = new Promise<number | null>((res) =>
      dynamo!.process.once('exit', (code) => {
        if (!stopping) res(code);
      }),
    );
    // The in-process handlers read these on their first call.
    process.env.KEYS_TABLE = config.table;
    process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
    process.env.AWS_REGION = config.region;
    // The authorizer must read the key from the header the gateway caches on, as in AWS.
    process.env.IDENTITY_HEADER = config.identityHeader;
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: config.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      await ensureKeysTable(client, config.table);
    } finally {
      client.destroy();
    }
    checkAborted();

    if (!config.upstreamUrl) mock = await startMockUpstream();
    const upstreamUrl = config.upstreamUrl ?? mock!.url;
    checkAborted();

    const info: StackInfo = {
      url: `http://127.0.0.1:${port}`,
      upstreamUrl,
      upstream: mock ? 'mock' : 'DEEPGRAM_URL',
      dynamodbEndpoint: dynamo.endpoint,
      region: config.region,
      table: config.table,
      adminToken: token,
      home: config.home,
      inMemory: config.inMemory,
      authorizerCacheTtl: config.cacheTtlSeconds,
      identitySource: config.identityHeader,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    // 0600: it holds the admin token.
    writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    backendsReady({ ...handlers, upstream: new URL(upstreamUrl) });
    return { info, dynamoExited, dynamoProcess: dynamo.process, stop };
  } catch (error) {
    backendsFailed(error as Error);
    await stop();
    throw error;
  }
}
