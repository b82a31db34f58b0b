import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminToken, configFromEnv, ConfigError } from '../../../scripts/local/stack';
import { DEFAULT_HOME } from '../../../scripts/local/home';

describe('configFromEnv', () => {
  it('defaults: port 4000, TTL 300 s, x-api-key, 30 s timeout, mock upstream, .keygate', () => {
    expect(configFromEnv({})).toEqual({
      home: DEFAULT_HOME,
      port: 4000,
      inMemory: false,
      table: 'keygate-keys-local',
      region: 'local',
      cacheTtlSeconds: 300,
      identityHeader: 'x-api-key',
      integrationTimeoutMs: 30_000,
      upstreamUrl: undefined,
      accessLogPath: undefined,
    });
  });

  it('reads the environment and the --in-memory flag', () => {
    const config = configFromEnv(
      { PORT: '0', AUTHORIZER_CACHE_TTL: '0', IDENTITY_SOURCE: 'Authorization', DEEPGRAM_URL: 'http://deepgram.internal:8080', KEYGATE_HOME: '/tmp/kg' },
      true,
    );
    expect(config).toMatchObject({
      port: 0,
      cacheTtlSeconds: 0,
      identityHeader: 'authorization',
      upstreamUrl: 'http://deepgram.internal:8080/',
      home: '/tmp/kg',
      inMemory: true,
    });
    expect(configFromEnv({ KEYGATE_IN_MEMORY: '1' }).inMemory).toBe(true);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT/],
    [{ AUTHORIZER_CACHE_TTL: '3601' }, /AUTHORIZER_CACHE_TTL must be an integer from 0 to 3600/],
    [{ IDENTITY_SOURCE: 'cookie' }, /IDENTITY_SOURCE/],
    [{ DEEPGRAM_URL: 'deepgram:8080' }, /DEEPGRAM_URL/],
    [{ INTEGRATION_TIMEOUT_MS: '0' }, /INTEGRATION_TIMEOUT_MS/],
    [{ MEMORY_CACHE_TTL: 'abc' }, /MEMORY_CACHE_TTL must be an integer from 0 to 3600/],
    [{ MAX_KEY_LIFETIME_DAYS: '-1' }, /MAX_KEY_LIFETIME_DAYS/],
    [{ KEY_PREFIX: '9kg' }, /KEY_PREFIX must be 2-10 characters/],
  ])('refuses %p with a clear message', (env, message) => {
    expect(() => configFromEnv(env)).toThrow(ConfigError);
    expect(() => configFromEnv(env)).toThrow(message);
  });
});

describe('adminToken', () => {
  let home: string;
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'keygate-'))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('is random, stored 0600 on first start and reused after', () => {
    const first = adminToken(home);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(home, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(adminToken(home)).toBe(first);
    const other = mkdtempSync(join(tmpdir(), 'keygate-'));
    expect(adminToken(other)).not.toBe(first);
    rmSync(other, { recursive: true });
  });

  it('replaces a token file that is empty or too weak, and tightens its mode', () => {
    writeFileSync(join(home, 'admin-token'), 'short\n', { mode: 0o644 });
    const token = adminToken(home);
    expect(token).toHaveLength(43);
    expect(statSync(join(home, 'admin-token')).mode & 0o777).toBe(0o600);
  });
});
