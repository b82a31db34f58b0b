/**
 * Starts the real local stack (`scripts/start.ts`) as a child process, as a user would, on a free
 * port with its own temporary state directory, and stops it afterwards (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AccessLogEntry } from '../../../scripts/local/accessLog';
import type { StackInfo } from '../../../scripts/local/stack';
import { toneWav } from '../../../scripts/local/mockUpstream';

export const REPO_ROOT = resolve(__dirname, '../../..');

export interface RunningStack {
  url: string;
  home: string;
  info: StackInfo;
  /** The node process running scripts/start.ts. */
  pid: number;
  /** Everything the stack printed so far (stdout and stderr). */
  output(): string;
  accessLog(): AccessLogEntry[];
  /** Sends `signal` and waits for the process to exit; the state directory stays until stop(). */
  signal(signal: NodeJS.Signals): Promise<Exit>;
  stop(): Promise<void>;
}

/** How the stack's process ended: an exit code, or the signal that killed it. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** scripts/start.ts just spawned, not yet waited for. */
export interface LaunchedStack {
  child: ChildProcess;
  home: string;
  output(): string;
  exited: Promise<Exit>;
  /** SIGTERM (SIGKILL after 5 s) if still running, then the state directory is removed. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
// If a test run dies without its afterAll, still take the stacks (and their Java) down.
process.once('exit', () => children.forEach((child) => child.kill('SIGKILL')));

/**
 * Spawns scripts/start.ts with its own state directory and a free port; does not wait for it.
 * `nodeArgs` go to node before the script (e.g. `--require` a test preload).
 */
export function launchStack(env: Record<string, string> = {}, nodeArgs: string[] = []): LaunchedStack {
  const home = mkdtempSync(join(tmpdir(), 'keygate-e2e-'));
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'scripts/start.ts', '--in-memory'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      KEYGATE_HOME: home,
      ACCESS_LOG: join(home, 'access.log'),
      MEMORY_CACHE_TTL: '0', // only the emulated API Gateway cache, so TTL expectations are exact
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<Exit>((res) => child.once('exit', (code, signal) => res({ code, signal })));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
    rmSync(home, { recursive: true, force: true });
  };
  return { child, home, output: () => output, exited, stop };
}

export async function startStack(env: Record<string, string> = {}, timeoutMs = 120_000): Promise<RunningStack> {
  const { child, home, output, exited, stop } = launchStack(env);

  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!url) {
    url = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(output())?.[1];
    if (url) break;
    const ended = child.exitCode !== null || child.signalCode !== null;
    if (ended || Date.now() > deadline) {
      await stop();
      const state = ended ? `exited with ${child.exitCode ?? child.signalCode}` : `still starting after ${timeoutMs} ms`;
      throw new Error(`local stack did not become ready (${state}):\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const info = JSON.parse(readFileSync(join(home, 'stack.json'), 'utf8')) as StackInfo;
  return {
    url,
    home,
    info,
    pid: child.pid!,
    output,
    accessLog: () =>
      existsSync(join(home, 'access.log'))
        ? readFileSync(join(home, 'access.log'), 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as AccessLogEntry)
        : [],
    signal: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    stop,
  };
}

/** Calls the admin API of a running stack with its bearer token. */
export async function admin(stack: RunningStack, method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${stack.info.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** Issues a key through the admin API; returns the created record (with `key`). */
export async function issueKey(stack: RunningStack, scopes: string[], extra: Record<string, unknown> = {}) {
  const created = await admin(stack, 'POST', '/admin/keys', { name: `e2e ${scopes.join('+')}`, scopes, owner: 'e2e-team', ...extra });
  if (created.status !== 201) throw new Error(`could not issue a key: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body as { keyId: string; key: string; owner: string; scopes: string[] };
}

/**
 * The shared speech sample (CI clones the repository beside ../shared). Without it, a generated WAV
 * stands in: the tests check bytes and durations, not words.
 */
export function sampleAudio(): { audio: Buffer; path?: string; duration: number } {
  const path = resolve(REPO_ROOT, '../shared/audio/speech-16k-mono.wav');
  if (existsSync(path)) return { audio: readFileSync(path), path, duration: 8.631375 };
  return { audio: toneWav(3, 440, 16_000), duration: 3 };
}

/** A request sent exactly as written: fetch would resolve `..` away and refuses to set Host. */
export function rawRequest(base: string, method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolveAnswer, reject) => {
    const url = new URL(base);
    const req = request({ hostname: url.hostname, port: url.port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolveAnswer({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
