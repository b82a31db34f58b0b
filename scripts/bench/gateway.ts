/**
 * 3. Gateway overhead: autocannon (in this process) against the local stack (its own process) with
 * a valid, cached key, vs the same request straight to the upstream (a third process). Each server
 * has its own process, as in AWS the gateway and Deepgram do not share a CPU.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { toneWav } from '../local/mockUpstream';

const ROOT = resolve(__dirname, '../..');

export interface LoadRow {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  timeouts: number;
}

export interface GatewayResult {
  seconds: number;
  connections: number;
  bodyBytes: number;
  viaGateway: LoadRow;
  bareProxy: LoadRow;
  direct: LoadRow;
  /** Keygate's gateway / straight to the upstream. */
  ratio: number;
  /** Keygate's gateway / a Node proxy that only forwards: Keygate's own share of the cost. */
  ratioToBareProxy: number;
  /** The same through-gateway vs direct comparison with an upstream that takes `delayMs` per request. */
  withLatency: { delayMs: number; viaGateway: LoadRow; direct: LoadRow; ratio: number };
}

function start(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveStart({ child, match });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args[0]} exited (${code}):\n${output}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

async function load(name: string, url: string, headers: Record<string, string>, body: Buffer, seconds: number, connections: number): Promise<LoadRow> {
  const result = await autocannon({ url, method: 'POST', headers, body, connections, duration: seconds });
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
  };
}

async function createKey(gatewayUrl: string, adminToken: string): Promise<string> {
  const created = await fetch(`${gatewayUrl}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', scopes: ['listen'] }),
  });
  if (created.status !== 201) throw new Error(`could not create a key: ${created.status} ${await created.text()}`);
  return ((await created.json()) as { key: string }).key;
}

export async function benchGateway(seconds: number, connections = 10, delayMs = 20): Promise<GatewayResult> {
  const home = mkdtempSync(join(tmpdir(), 'keygate-bench-stack-'));
  const children: ChildProcess[] = [];
  try {
    const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const upstream = await start(['scripts/bench/upstream.ts'], env, /(http:\/\/127\.0\.0\.1:\d+)/);
    children.push(upstream.child);
    const upstreamUrl = upstream.match[1];
    const stack = await start(
      ['scripts/start.ts', '--in-memory'],
      { ...env, PORT: '0', KEYGATE_HOME: home, DEEPGRAM_URL: upstreamUrl, ACCESS_LOG: join(home, 'access.log'), LOG_LEVEL: 'error' },
      /ready at (http:\/\/127\.0\.0\.1:\d+)/,
    );
    children.push(stack.child);
    const gatewayUrl = stack.match[1];
    const slow = await start(['scripts/bench/upstream.ts', String(delayMs)], env, /(http:\/\/127\.0\.0\.1:\d+)/);
    children.push(slow.child);
    const slowUrl = slow.match[1];
    const bare = await start(['scripts/bench/bareProxy.ts', upstreamUrl], env, /(http:\/\/127\.0\.0\.1:\d+)/);
    children.push(bare.child);
    const bareUrl = bare.match[1];
    const { adminToken } = JSON.parse(readFileSync(join(home, 'stack.json'), 'utf8')) as { adminToken: string };

    const key = await createKey(gatewayUrl, adminToken);

    const body = toneWav(0.02, 440, 16_000); // a small WAV (~0.7 KB)
    const headers = { 'content-type': 'audio/wav' };
    // Warm both paths (and fill the gateway's authorizer cache) before measuring.
    await load('warm-up', `${gatewayUrl}/v1/listen`, { ...headers, 'x-api-key': key }, body, 1, connections);
    await load('warm-up', `${upstreamUrl}/v1/listen`, headers, body, 1, connections);
    await load('warm-up', `${bareUrl}/v1/listen`, headers, body, 1, connections);

    const viaGateway = await load('through the gateway', `${gatewayUrl}/v1/listen`, { ...headers, 'x-api-key': key }, body, seconds, connections);
    const bareProxy = await load('bare Node proxy, no auth', `${bareUrl}/v1/listen`, headers, body, seconds, connections);
    const direct = await load('straight to upstream', `${upstreamUrl}/v1/listen`, headers, body, seconds, connections);

    // The same key, re-pointed: a second stack would need a second DynamoDB; the gateway's upstream
    // is fixed at start, so this part runs the slow upstream behind a fresh stack process.
    await stop(stack.child);
    const slowStack = await start(
      ['scripts/start.ts', '--in-memory'],
      { ...env, PORT: '0', KEYGATE_HOME: home, DEEPGRAM_URL: slowUrl, ACCESS_LOG: join(home, 'access.log'), LOG_LEVEL: 'error' },
      /ready at (http:\/\/127\.0\.0\.1:\d+)/,
    );
    children.push(slowStack.child);
    const slowGateway = slowStack.match[1];
    const slowToken = (JSON.parse(readFileSync(join(home, 'stack.json'), 'utf8')) as { adminToken: string }).adminToken;
    const slowKey = await createKey(slowGateway, slowToken);
    await load('warm-up', `${slowGateway}/v1/listen`, { ...headers, 'x-api-key': slowKey }, body, 1, connections);
    const slowVia = await load(`gateway, ${delayMs} ms upstream`, `${slowGateway}/v1/listen`, { ...headers, 'x-api-key': slowKey }, body, seconds, connections);
    const slowDirect = await load(`direct, ${delayMs} ms upstream`, `${slowUrl}/v1/listen`, headers, body, seconds, connections);
    return {
      seconds,
      connections,
      bodyBytes: body.length,
      viaGateway,
      bareProxy,
      direct,
      ratio: viaGateway.requestsPerSecond / direct.requestsPerSecond,
      ratioToBareProxy: viaGateway.requestsPerSecond / bareProxy.requestsPerSecond,
      withLatency: { delayMs, viaGateway: slowVia, direct: slowDirect, ratio: slowVia.requestsPerSecond / slowDirect.requestsPerSecond },
    };
  } finally {
    await Promise.all(children.map(stop));
    rmSync(home, { recursive: true, force: true });
  }
}
