/**
 * End to end with real clients against the real local stack and its built-in mock upstream:
 * the Deepgram JavaScript SDK (5.x) pointed at the gateway, and the keys CLI run as a user runs it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DeepgramClient, DeepgramError } from '@deepgram/sdk';
import { MOCK_TRANSCRIPT, wavInfo } from '../../scripts/local/mockUpstream';
import { generateKey } from '../../src/keys/token';
import { REPO_ROOT, issueKey, sampleAudio, startStack, type RunningStack } from './support/stack';

jest.setTimeout(150_000); // a stack start can take long on a loaded 2-core machine

let stack: RunningStack;
/** A second stack whose identity source is the Authorization header (`identityHeader=Authorization`). */
let authorizationStack: RunningStack;

beforeAll(async () => {
  // Both at once: most of a start is the JVM's.
  const [first, second] = await Promise.allSettled([startStack(), startStack({ IDENTITY_SOURCE: 'authorization' })]);
  if (first.status === 'fulfilled') stack = first.value;
  if (second.status === 'fulfilled') authorizationStack = second.value;
  for (const result of [first, second]) if (result.status === 'rejected') throw result.reason;
});
afterAll(() => Promise.all([stack?.stop(), authorizationStack?.stop()]));

/** The SDK as an application would configure it for Keygate: the gateway's URL, the key in x-api-key. */
function deepgram(key?: string) {
  return new DeepgramClient({
    baseUrl: stack.url,
    auth: false, // no `Authorization: Token ...` header: the key travels in x-api-key
    headers: key === undefined ? {} : { 'x-api-key': key },
    maxRetries: 0,
  });
}

describe('@deepgram/sdk through the gateway', () => {
  it('transcribes the WAV file (the mock upstream answers, and says it is a mock)', async () => {
    const { audio, duration } = sampleAudio();
    const created = await issueKey(stack, ['listen', 'speak']);
    const response = (await deepgram(created.key).listen.v1.media.transcribeFile(audio, { model: 'nova-3' })) as any;
    expect(response.results.channels[0].alternatives[0].transcript).toBe(MOCK_TRANSCRIPT);
    expect(response.metadata.duration).toBeCloseTo(duration, 5);
    expect(response.metadata.keygate_mock).toMatchObject({
      received_bytes: audio.length,
      key_id: created.keyId,
      api_key_header_received: false,
    });
  });

  it('speaks (the mock returns a short WAV)', async () => {
    const created = await issueKey(stack, ['speak']);
    const response = await deepgram(created.key).speak.v1.audio.generate({ text: 'Hello from Keygate', model: 'aura-2-thalia-en' });
    const audio = Buffer.from(await new Response(response.stream()).arrayBuffer());
    expect(wavInfo(audio, audio.length)?.duration).toBe(0.5);
  });

  it('fails with the SDK\'s error on a bad key (403) and without a key (401)', async () => {
    const { audio } = sampleAudio();
    const bad = deepgram(generateKey()).listen.v1.media.transcribeFile(audio, {});
    await expect(bad).rejects.toBeInstanceOf(DeepgramError);
    await expect(bad).rejects.toMatchObject({ statusCode: 403, body: { message: 'Forbidden' } });
    await expect(deepgram().listen.v1.media.transcribeFile(audio, {})).rejects.toMatchObject({
      statusCode: 401,
      body: { message: 'Unauthorized' },
    });
  });
});

describe('@deepgram/sdk unmodified (Authorization: Token <key>) with IDENTITY_SOURCE=authorization', () => {
  it('transcribes with the key as the SDK\'s own apiKey; x-api-key alone is then a 401', async () => {
    const { audio } = sampleAudio();
    const created = await issueKey(authorizationStack, ['listen']);
    const sdk = new DeepgramClient({ apiKey: created.key, baseUrl: authorizationStack.url, maxRetries: 0 });
    const response = (await sdk.listen.v1.media.transcribeFile(audio, {})) as any;
    expect(response.metadata.keygate_mock.key_id).toBe(created.keyId);

    const viaHeader = new DeepgramClient({
      baseUrl: authorizationStack.url,
      auth: false,
      headers: { 'x-api-key': created.key },
      maxRetries: 0,
    });
    await expect(viaHeader.listen.v1.media.transcribeFile(audio, {})).rejects.toMatchObject({ statusCode: 401 });
    const wrong = new DeepgramClient({ apiKey: generateKey(), baseUrl: authorizationStack.url, maxRetries: 0 });
    await expect(wrong.listen.v1.media.transcribeFile(audio, {})).rejects.toMatchObject({ statusCode: 403 });
  });
});

describe('keys CLI against the running stack', () => {
  const run = promisify(execFile);
  /** `npm run keys -- ...`, minus npm: the same script, the stack's state directory. */
  async function keys(...args: string[]) {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, KEYGATE_HOME: stack.home },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('create prints the record with the key; the key works; list, show and revoke follow', async () => {
    const created = await keys('create', '--name', 'cli key', '--scopes', 'listen', '--owner', 'cli-team', '--expires-in', '1d', '--metadata', 'ticket=KG-1');
    expect(created.code).toBe(0);
    const record = JSON.parse(created.stdout);
    expect(record).toMatchObject({ name: 'cli key', scopes: ['listen'], owner: 'cli-team', status: 'active', metadata: { ticket: 'KG-1' } });
    expect(record.key).toMatch(/^kg_/);
    const expiresIn = Date.parse(record.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(86_400_000 - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(86_400_000);

    const { audio } = sampleAudio();
    const use = await fetch(`${stack.url}/v1/listen`, { method: 'POST', headers: { 'x-api-key': record.key }, body: audio });
    expect(use.status).toBe(200);

    const list = await keys('list', '--owner', 'cli-team');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).items.map((i: { keyId: string }) => i.keyId)).toContain(record.keyId);

    const shown = await keys('show', record.keyId);
    expect(shown.code).toBe(0);
    const shownRecord = JSON.parse(shown.stdout);
    expect(shownRecord).toMatchObject({ keyId: record.keyId, status: 'active' });
    expect(shownRecord).not.toHaveProperty('key');
    expect(shownRecord).not.toHaveProperty('hash');

    const revoked = await keys('revoke', record.keyId);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout).status).toBe('revoked');
  });

  it('through npm itself (`npm run keys -- create ...`) stdout is the JSON record alone', async () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const { stdout } = await run(npm, ['run', 'keys', '--', 'create', '--name', 'via npm', '--scopes', 'speak'], {
      cwd: REPO_ROOT,
      env: { ...process.env, KEYGATE_HOME: stack.home },
    });
    const record = JSON.parse(stdout);
    expect(record).toMatchObject({ name: 'via npm', scopes: ['speak'], status: 'active' });
    expect(record.key).toMatch(/^kg_/);
  });

  it('fails with one line on stderr and a non-zero exit', async () => {
    const missing = await keys('show', 'key_00000000000000000000000000000000');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^keys: show failed: HTTP 404 not_found/);

    const usage = await keys('create', '--scopes', 'listen');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--name is required/);

    const help = await keys('rotate', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/rotate KEYID \[--grace 1h\]/);
  });
});
