import { forwardableHeaders, forwardedHeader } from '../../../scripts/local/http';

describe('forwardedHeader (RFC 7239)', () => {
  it('quotes values that are not tokens; IPv6 nodes in brackets', () => {
    expect(forwardedHeader('127.0.0.1', '127.0.0.1:4000')).toBe('for=127.0.0.1;host="127.0.0.1:4000";proto=http');
    expect(forwardedHeader('203.0.113.9', 'api.example.com')).toBe('for=203.0.113.9;host=api.example.com;proto=http');
    expect(forwardedHeader('::1', '[::1]:4000')).toBe('for="[::1]";host="[::1]:4000";proto=http');
    expect(forwardedHeader('2001:db8::7', 'svc_1.internal')).toBe('for="[2001:db8::7]";host=svc_1.internal;proto=http');
  });

  it.each([
    'evil;for=9.9.9.9;proto=https',
    'evil,for=9.9.9.9',
    'evil"',
    'evil\\',
    'evil host',
    'a,b', // two Host headers, comma-joined
    '',
    'host:port',
    'h:99999',
    '[::1',
    'a/b',
    'user@host',
  ])('leaves out a Host that is not hostname[:port]: %p', (host) => {
    expect(forwardedHeader('127.0.0.1', host)).toBe('for=127.0.0.1;proto=http');
  });

  it('leaves out a missing Host; never lets a source address add parameters', () => {
    expect(forwardedHeader('127.0.0.1', undefined)).toBe('for=127.0.0.1;proto=http');
    expect(forwardedHeader('x;proto=https', undefined)).toBe('for="x;proto=https";proto=http');
    expect(forwardedHeader('a"b\\c', undefined)).toBe('for="a\\"b\\\\c";proto=http');
  });
});

describe('forwardableHeaders', () => {
  it('lower-cases names, keeps repeats as arrays, drops hop-by-hop headers and what `drop` says', () => {
    const headers = forwardableHeaders(
      ['Content-Type', 'audio/wav', 'X-A', '1', 'x-a', '2', 'Connection', 'close', 'X-Api-Key', 'k'],
      (name) => name === 'x-api-key',
    );
    expect({ ...headers }).toEqual({ 'content-type': 'audio/wav', 'x-a': ['1', '2'] });
  });

  it('headers named like Object.prototype members are ordinary names: nothing invented, nothing dropped', () => {
    const headers = forwardableHeaders(
      ['Constructor', 'c1', '__proto__', 'p1', '__proto__', 'p2', 'toString', 't1', 'valueOf', 'v1', '0', 'z'],
      () => false,
    );
    // ('0' is listed first: integer-like keys always are.)
    expect(Object.entries(headers)).toEqual([
      ['0', 'z'],
      ['constructor', 'c1'],
      ['__proto__', ['p1', 'p2']],
      ['tostring', 't1'],
      ['valueof', 'v1'],
    ]);
    expect(forwardableHeaders(['Host', 'h'], () => false).constructor).toBeUndefined();
  });
});
