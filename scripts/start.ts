/**
 * `npm start`: the whole gateway on this machine. See scripts/local/stack.ts for the parts and
 * README.md for the settings. Prints one line containing `ready` and the URL once it serves requests;
 * Ctrl-C, SIGTERM or SIGHUP (a closed terminal) stops everything it started, even mid-start.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { stackFile } from './local/home';
import { ConfigError, configFromEnv, startStack, type Stack } from './local/stack';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const HELP = `Usage: npm start [-- --in-memory]

Starts DynamoDB Local, the Keygate authorizer and admin handlers and a local API Gateway
on http://127.0.0.1:$PORT (default 4000).

Options:
  --in-memory            keep no data (also KEYGATE_IN_MEMORY=1); default: data under $KEYGATE_HOME/dynamodb
  -h, --help             this help

Environment:
  PORT                   gateway port (default 4000, 0 = any free port)
  AUTHORIZER_CACHE_TTL   seconds API Gateway caches an authorizer answer (default 300, 0 = off)
  MEMORY_CACHE_TTL       the authorizer's own in-memory cache (default 30, 0 = off)
  DEEPGRAM_URL           upstream Deepgram API (default: a built-in mock, no real transcription)
  IDENTITY_SOURCE        x-api-key (default) or authorization (Deepgram SDKs' "Authorization: Token <key>")
  INTEGRATION_TIMEOUT_MS upstream timeout (default 30000)
  ACCESS_LOG             file for the JSON access log (default: stdout)
  KEYS_TABLE             table name (default keygate-keys-local)
  KEYGATE_HOME           state directory (default .keygate in the repository)
`;

function fail(message: string): never {
  process.stderr.write(`keygate: ${message}\n`);
  process.exit(1);
}

async function main() {
  let args;
  try {
    args = parseArgs({ options: { 'in-memory': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (error) {
    fail(`${(error as Error).message} (see npm start -- --help)`);
  }
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }

  let stack: Stack | undefined;
  let starting: Promise<Stack> | undefined;
  let java: ChildProcess | undefined;
  const abort = new AbortController();
  let stopping: Promise<void> | undefined;
  // A stop while starting waits for the start to settle: startStack notices the abort after its
  // current step and stops what it has started (DynamoDB Local answers within seconds).
  const shutdown = (code: number) => {
    stopping ??= (async () => {
      abort.abort();
      const running = stack ?? (await starting?.catch(() => undefined));
      await running?.stop();
    })().finally(() => process.exit(code));
    return stopping;
  };
  // SIGHUP: the terminal went away. Without a handler Node would die at once and leave Java running.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));
  // `npm start` does not pass SIGTERM on: npm exits and leaves this process to init. Noticing the
  // new parent is how a SIGTERM to npm still stops everything (package.json runs node directly, so
  // npm's shell is the parent and goes with npm).
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown(0);
  }, 500).unref();
  // Last resort if this process dies some other way (an uncaught error, process.exit before the
  // stop finished): never leave a Java process or a stack.json for a dead stack behind.
  process.on('exit', () => {
    if (java && java.exitCode === null && java.signalCode === null) java.kill('SIGKILL');
    if (stack) rmSync(stackFile(stack.info.home), { force: true });
  });

  try {
    const config = configFromEnv(process.env, args['in-memory']);
    starting = startStack(config, undefined, { signal: abort.signal, onDynamoLocal: (child) => (java = child) });
    stack = await starting;
  } catch (error) {
    if (abort.signal.aborted) return; // stopped while starting: shutdown() exits
    fail(error instanceof ConfigError ? error.message : ((error as Error)?.message ?? String(error)));
  }
  if (stopping) return;

  const { info } = stack;
  void stack.dynamoExited.then((code) => {
    // Ctrl-C, a closed terminal or a SIGTERM to the process group reaches Java too (exit 130, 129,
    // 143): that is a normal stop, not a failure.
    if (code === 129 || code === 130 || code === 143) return shutdown(0);
    process.stderr.write(`keygate: DynamoDB Local stopped unexpectedly (exit code ${code}); shutting down\n`);
    return shutdown(1);
  });

  const inside = relative(process.cwd(), info.home);
  const home = inside === '' ? '.' : inside.startsWith('..') ? info.home : inside;
  process.stdout.write(
    [
      `Keygate local gateway ready at ${info.url}`,
      `  upstream:    ${info.upstream === 'mock' ? `built-in mock Deepgram at ${info.upstreamUrl} (no real transcription; set DEEPGRAM_URL)` : info.upstreamUrl}`,
      `  DynamoDB:    ${info.dynamodbEndpoint}, table ${info.table} (${info.inMemory ? 'in memory' : `data in ${home}/dynamodb`})`,
      `  authorizer:  identity source ${info.identitySource}, cache TTL ${info.authorizerCacheTtl} s`,
      `  admin token: ${home}/stack.json (Authorization: Bearer <adminToken>)`,
      `  try:         npm run keys -- create --name demo --scopes listen`,
      '',
    ].join('\n'),
  );
}

void main();
