/**
 * A minimal structured logger: one JSON line per entry on stdout, as Lambda and CloudWatch expect.
 * Hand-written rather than Powertools because it sits in the authorizer bundle, where every
 * kilobyte is cold-start latency. Callers pass only safe fields: never an event, a key or a hash.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(
  service: string,
  level: string = process.env.LOG_LEVEL ?? 'info',
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const threshold = ORDER[level.toLowerCase() as Level] ?? ORDER.info;
  const log = (lvl: Level) => (message: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < threshold) return;
    write(JSON.stringify({ level: lvl, time: new Date().toISOString(), service, message, ...fields }));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** The error's class name and message, without its stack or cause. */
export function errorFields(error: unknown): Record<string, string> {
  const e = error as { name?: string; message?: string };
  return { errorName: e?.name ?? 'Error', errorMessage: e?.message ?? String(error) };
}
