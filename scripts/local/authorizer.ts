/**
 * API Gateway's side of a Lambda REQUEST authorizer: invoke it (10 s limit), validate its answer
 * and cache it per identity value for the result TTL. One cached answer serves every route of the
 * API, which is why the authorizer's Allow policy must list every route a key may call. A thrown
 * error, a timeout or a malformed answer is not cached (API Gateway answers 500).
 */
import { TtlCache } from '../../src/lib/ttlCache';
import { parseAuthorizerAnswer, type AuthorizerAnswer } from './policy';

export type LambdaHandler = (event: any, context: any) => Promise<unknown>;

export type AuthorizerOutcome =
  | { ok: true; answer: AuthorizerAnswer; invoked: boolean }
  | { ok: false; error: string; invoked: true };

export interface AuthorizerClientOptions {
  handler: LambdaHandler;
  /** AUTHORIZER_CACHE_TTL: seconds, 0 disables the cache. */
  ttlSeconds: number;
  timeoutMs?: number;
  maxEntries?: number;
  now?: () => number;
}

const AUTHORIZER_TIMEOUT_MS = 10_000;

/** Calls a Lambda handler in-process, failing after `timeoutMs` as the Lambda service would. */
export async function invokeWithTimeout(handler: LambdaHandler, event: unknown, context: unknown, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([handler(event, context), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function createAuthorizerClient(options: AuthorizerClientOptions) {
  const cache = new TtlCache<AuthorizerAnswer>(options.ttlSeconds * 1000, options.maxEntries ?? 10_000, options.now);
  const timeoutMs = options.timeoutMs ?? AUTHORIZER_TIMEOUT_MS;

  return {
    /**
     * The answer for this identity: from the cache, else from the authorizer (called with `event`).
     * `identity` is the identity-source values; API Gateway keys its cache on them.
     */
    async authorize(identity: readonly string[], event: () => unknown, context: unknown): Promise<AuthorizerOutcome> {
      const cacheKey = JSON.stringify(identity);
      const cached = cache.get(cacheKey);
      if (cached) return { ok: true, answer: cached, invoked: false };

      let raw: unknown;
      try {
        raw = await invokeWithTimeout(options.handler, event(), context, timeoutMs);
      } catch (error) {
        return { ok: false, error: `authorizer failed: ${(error as Error)?.message ?? String(error)}`, invoked: true };
      }
      const parsed = parseAuthorizerAnswer(raw);
      if (!parsed.ok) return { ok: false, error: `malformed authorizer answer: ${parsed.error}`, invoked: true };
      cache.set(cacheKey, parsed.answer);
      return { ok: true, answer: parsed.answer, invoked: true };
    },
    clear: () => cache.clear(),
  };
}

export type AuthorizerClient = ReturnType<typeof createAuthorizerClient>;
