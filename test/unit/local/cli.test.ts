import { createHash, createHmac } from 'node:crypto';
import { COMMANDS, UsageError } from '../../../scripts/cli/commands';
import { describeFailure } from '../../../scripts/cli/client';
import { parseDuration } from '../../../scripts/cli/duration';
import { createSigner, regionFromHost } from '../../../scripts/cli/sigv4';

const command = (name: string) => COMMANDS.find((c) => c.name === name)!;

describe('parseDuration', () => {
  it.each([
    ['3600', 3600],
    ['3600s', 3600],
    ['15m', 900],
    ['12h', 43_200],
    ['30d', 2_592_000],
    ['1w', 604_800],
  ])('%s = %d s', (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each(['', '1.5h', '-1d', '3 days', 'h'])('rejects "%s"', (text) => expect(() => parseDuration(text)).toThrow());
});

describe('commands', () => {
  it('create: scopes list, expiry in seconds, metadata', () => {
    expect(
      command('create').request(
        { name: 'demo', scopes: 'listen, speak', owner: 'team-a', 'expires-in': '30d', metadata: ['env=dev', 'ticket=a=b'] },
        [],
      ),
    ).toEqual({
      method: 'POST',
      path: '/admin/keys',
      body: {
        name: 'demo',
        scopes: ['listen', 'speak'],
        owner: 'team-a',
        expiresInSeconds: 2_592_000,
        metadata: { env: 'dev', ticket: 'a=b' },
      },
    });
  });

  it('create: refuses missing names, both expiries, bad metadata', () => {
    const create = command('create');
    expect(() => create.request({ scopes: 'listen' }, [])).toThrow(UsageError);
    expect(() => create.request({ name: 'n', scopes: 'listen', 'expires-in': '1d', 'expires-at': '2030-01-01T00:00:00Z' }, [])).toThrow(
      /not both/,
    );
    expect(() => create.request({ name: 'n', scopes: 'listen', metadata: ['novalue'] }, [])).toThrow(/key=value/);
    expect(() => create.request({ name: 'n', scopes: 'listen', 'expires-at': 'tomorrow' }, [])).toThrow(/ISO 8601/);
  });

  it('list: only the filters given go in the query', () => {
    expect(command('list').request({ owner: 'team-a', limit: '5' }, [])).toEqual({
      method: 'GET',
      path: '/admin/keys',
      query: { owner: 'team-a', status: undefined, limit: '5', cursor: undefined },
    });
  });

  it('key commands address the key by id (encoded)', () => {
    expect(command('show').request({}, ['key_1'])).toEqual({ method: 'GET', path: '/admin/keys/key_1' });
    expect(command('revoke').request({}, ['key_1'])).toMatchObject({ method: 'POST', path: '/admin/keys/key_1/revoke' });
    expect(command('rotate').request({ grace: '1h' }, ['key_1'])).toEqual({
      method: 'POST',
      path: '/admin/keys/key_1/rotate',
      body: { gracePeriodSeconds: 3600 },
    });
    expect(command('events').request({}, ['a/b'])).toMatchObject({ path: '/admin/keys/a%2Fb/events' });
  });

  it('update: PATCH with the fields given; nothing to update is a usage error', () => {
    expect(command('update').request({ name: 'renamed', scopes: 'listen' }, ['key_1'])).toEqual({
      method: 'PATCH',
      path: '/admin/keys/key_1',
      body: { name: 'renamed', scopes: ['listen'] },
    });
    expect(() => command('update').request({}, ['key_1'])).toThrow(/nothing to update/);
  });
});

describe('describeFailure', () => {
  it('shows the admin API error code and message, or API Gateway\'s message', () => {
    expect(describeFailure({ status: 404, body: { error: { code: 'not_found', message: 'no such key' } } })).toBe(
      'HTTP 404 not_found: no such key',
    );
    expect(describeFailure({ status: 403, body: { message: 'Forbidden' } })).toBe('HTTP 403 Forbidden');
  });
});

describe('SigV4', () => {
  it('reads the region from an execute-api host name', () => {
    expect(regionFromHost('abc123.execute-api.eu-west-1.amazonaws.com')).toBe('eu-west-1');
    expect(regionFromHost('keys.example.com')).toBeUndefined();
  });

  it('signs for execute-api in that region: the signature checks out when recomputed by hand', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
    const sign = createSigner('eu-west-1', async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: secret }));
    const url = new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/admin/keys?owner=a&limit=5');
    const body = '{"name":"x"}';
    const { headers } = await sign('POST', url, { 'content-type': 'application/json' }, body);
    expect(headers).not.toHaveProperty('host'); // fetch sets it from the same URL

    const match = /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/(\d{8})\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      headers.authorization,
    );
    expect(match).not.toBeNull();
    const [, date, signedHeaders, signature] = match!;
    const all: Record<string, string> = { ...headers, host: url.host };
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s).digest();
    const canonical = [
      'POST',
      '/admin/keys',
      'limit=5&owner=a',
      ...signedHeaders.split(';').map((h) => `${h}:${all[h]}`),
      '',
      signedHeaders,
      sha(body),
    ].join('\n');
    const scope = `${date}/eu-west-1/execute-api/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', headers['x-amz-date'], scope, sha(canonical)].join('\n');
    let key = hmac(`AWS4${secret}`, date);
    for (const part of ['eu-west-1', 'execute-api', 'aws4_request']) key = hmac(key, part);
    expect(createHmac('sha256', key).update(toSign).digest('hex')).toBe(signature);
    expect(signedHeaders.split(';')).toEqual(expect.arrayContaining(['content-type', 'host', 'x-amz-date']));
  });
});
