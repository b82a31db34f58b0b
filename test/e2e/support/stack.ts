/**
 * Starts the real local stack (`scripts/start.ts`) as a child process, as a user would, on a free
 * port with its own temporary state directory, and stops it afterwards (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
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
  /** Everything the stack printed so far (stdout and stderr). */
  output(): string;
  accessLog(): AccessLogEntry[];
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
// If a test run dies without its afterAll, still take the stacks (and their Java) down.
process.once('exit', () => children.forEach((child) => child.kill('SIGKILL')));

export async function startStack(env: Record<string, string> = {}, timeoutMs = 120_000): Promise<RunningStack> {
  const home = mkdtempSync(join(tmpdir(), 'keygate-e2e-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--in-memory'], {
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
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));

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

  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!url) {
    url = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    if (url) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      const state = child.exitCode !== null ? `exited with code ${child.exitCode}` : `still starting after ${timeoutMs} ms`;
      throw new Error(`local stack did not become ready (${state}):\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const info = JSON.parse(readFileSync(join(home, 'stack.json'), 'utf8')) as StackInfo;
  return {
    url,
    home,
    info,
    output: () => output,
    accessLog: () =>
      existsSync(join(home, 'access.log'))
        ? readFileSync(join(home, 'access.log'), 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as AccessLogEntry)
        : [],
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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
