/**
 * End to end: how `scripts/start.ts` stops. Whatever stops it (SIGTERM, Ctrl-C, a closed terminal's
 * SIGHUP, a signal while DynamoDB Local is still starting), it takes DynamoDB Local (Java) down with
 * it and removes stack.json. Java processes are found as children of the stack's node process.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchStack, sleep, startStack } from './support/stack';

jest.setTimeout(150_000); // a stack start can take long on a loaded 2-core machine

/** pid → [ppid, command name, state] from /proc (Linux). */
function processTable(): Map<number, { ppid: number; comm: string; state: string }> {
  const table = new Map<number, { ppid: number; comm: string; state: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // `pid (comm) state ppid ...`; comm may itself contain spaces or parentheses.
      const close = stat.lastIndexOf(')');
      const [state, ppid] = stat.slice(close + 2).split(' ');
      table.set(Number(entry), { ppid: Number(ppid), comm: stat.slice(stat.indexOf('(') + 1, close), state });
    } catch {
      // the process ended while we looked
    }
  }
  return table;
}

/** The Java processes started by the node process `pid`. */
function javaChildren(pid: number): number[] {
  return [...processTable()].filter(([, p]) => p.ppid === pid && p.comm === 'java').map(([child]) => child);
}

/** Still running (a zombie waiting to be reaped has stopped running). */
function running(pid: number): boolean {
  const state = processTable().get(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** Whatever a failing test leaves behind: only the Java processes this test's stack started. */
function killLeftovers(pids: number[]) {
  for (const pid of pids) {
    if (running(pid)) process.kill(pid, 'SIGKILL');
  }
}

const onLinux = process.platform === 'linux' ? it : it.skip;

onLinux.each(['SIGHUP', 'SIGTERM', 'SIGINT'] as const)(
  '%s stops the stack: exit code 0, DynamoDB Local gone, stack.json removed',
  async (signal) => {
    const stack = await startStack();
    const java = javaChildren(stack.pid);
    try {
      expect(java).toHaveLength(1);
      expect(existsSync(join(stack.home, 'stack.json'))).toBe(true);
      expect(await stack.signal(signal)).toEqual({ code: 0, signal: null });
      expect(java.filter(running)).toEqual([]);
      expect(existsSync(join(stack.home, 'stack.json'))).toBe(false);
    } finally {
      killLeftovers(java);
      await stack.stop();
    }
  },
);

onLinux('a SIGTERM while DynamoDB Local is still starting stops Java too, and the stack never says ready', async () => {
  const launched = launchStack();
  let java: number[] = [];
  try {
    // As soon as Java exists (it takes seconds to answer): the stack has no Stack object yet.
    const deadline = Date.now() + 60_000;
    while ((java = javaChildren(launched.child.pid!)).length === 0) {
      if (Date.now() > deadline || launched.child.exitCode !== null) throw new Error(`no Java started:\n${launched.output()}`);
      await sleep(20);
    }
    launched.child.kill('SIGTERM');
    expect(await launched.exited).toEqual({ code: 0, signal: null });
    expect(java.filter(running)).toEqual([]);
    expect(launched.output()).not.toContain('ready');
    expect(existsSync(join(launched.home, 'stack.json'))).toBe(false);
  } finally {
    killLeftovers(java);
    await launched.stop();
  }
});

onLinux('a stack that dies of an uncaught error still takes Java down and removes stack.json (the exit fallback)', async () => {
  const launched = launchStack({}, ['--require', resolve(__dirname, 'support/crashAfterReady.cjs')]);
  let java: number[] = [];
  try {
    const deadline = Date.now() + 120_000;
    while (!launched.output().includes('ready at')) {
      java = javaChildren(launched.child.pid!);
      if (Date.now() > deadline || launched.child.exitCode !== null) break;
      await sleep(20);
    }
    expect(await launched.exited).toEqual({ code: 1, signal: null });
    expect(launched.output()).toContain('crash after ready');
    expect(java).toHaveLength(1);
    expect(java.filter(running)).toEqual([]);
    expect(existsSync(join(launched.home, 'stack.json'))).toBe(false);
  } finally {
    killLeftovers(java);
    await launched.stop();
  }
});
