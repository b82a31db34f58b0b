import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import {
  authorizerEvent,
  collectHeaders,
  describeRequest,
  lambdaProxyEvent,
  localApi,
  queryParameters,
  requestTime,
  routeArn,
} from '../../../scripts/local/event';
import { matchRoute } from '../../../scripts/local/routes';
import { parseRouteArn } from '../../../src/keys/policy';

function fakeRequest(method: string, url: string, rawHeaders: string[]): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: '::ffff:127.0.0.1' });
  return { method, url, rawHeaders, httpVersion: '1.1', socket } as unknown as IncomingMessage;
}

describe('payload 2.0 events', () => {
  const api = localApi();

  it('lower-cases header names and joins repeated headers with commas (Node would drop some)', () => {
    const { headers, cookies } = collectHeaders([
      'X-Api-Key', 'kg_a',
      'x-api-key', 'kg_b',
      'Authorization', 'Token a',
      'authorization', 'Token b',
      'Cookie', 'a=1; b=2',
      'Host', '127.0.0.1:4000',
    ]);
    expect(headers).toEqual({ 'x-api-key': 'kg_a,kg_b', authorization: 'Token a,Token b', host: '127.0.0.1:4000' });
    expect(cookies).toEqual(['a=1', 'b=2']);
  });

  it('headers named like Object.prototype members are ordinary own properties, nothing invented or dropped', () => {
    const { headers } = collectHeaders([
      'Constructor', 'c1',
      '__proto__', 'p1',
      '__proto__', 'p2',
      'toString', 't1',
      'hasOwnProperty', 'h1',
    ]);
    expect(Object.entries(headers)).toEqual([
      ['constructor', 'c1'],
      ['__proto__', 'p1,p2'],
      ['tostring', 't1'],
      ['hasownproperty', 'h1'],
    ]);
    // As JSON.parse would hand them to a Lambda: a plain object whose prototype is untouched.
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(headers))).toEqual(headers);
  });

  it('query parameters named like Object.prototype members are ordinary own properties', () => {
    const query = queryParameters('constructor=a&__proto__=b&__proto__=c&toString=d')!;
    expect(Object.entries(query)).toEqual([
      ['constructor', 'a'],
      ['__proto__', 'b,c'],
      ['toString', 'd'],
    ]);
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
  });

  it('decodes query strings, joining repeated names', () => {
    expect(queryParameters('')).toBeUndefined();
    expect(queryParameters('model=nova-3&keyterm=a&keyterm=b%20c')).toEqual({ model: 'nova-3', keyterm: 'a,b c' });
  });

  it('formats requestTime like $context.requestTime', () => {
    expect(requestTime(Date.UTC(2026, 11, 3, 16, 5, 9))).toBe('03/Dec/2026:16:05:09 +0000');
  });

  it('builds the authorizer event API Gateway sends, with the request\'s own path in routeArn', () => {
    const req = fakeRequest('GET', '/v1/models/nova-3?x=1', ['Host', '127.0.0.1:4000', 'X-Api-Key', 'kg_x', 'User-Agent', 'ua']);
    const info = describeRequest(req, 'req-1', Date.UTC(2026, 11, 3));
    const route = matchRoute(info.method, info.rawPath)!;
    const event = authorizerEvent(api, route, info, ['kg_x']);
    expect(event).toEqual({
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:local:000000000000:keygate/$default/GET/v1/models/nova-3',
      identitySource: ['kg_x'],
      routeKey: 'GET /v1/models/{modelId}',
      rawPath: '/v1/models/nova-3',
      rawQueryString: 'x=1',
      headers: { host: '127.0.0.1:4000', 'x-api-key': 'kg_x', 'user-agent': 'ua' },
      queryStringParameters: { x: '1' },
      pathParameters: { modelId: 'nova-3' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'keygate',
        domainName: '127.0.0.1:4000',
        domainPrefix: '127',
        http: { method: 'GET', path: '/v1/models/nova-3', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'ua' },
        requestId: 'req-1',
        routeKey: 'GET /v1/models/{modelId}',
        stage: '$default',
        time: '03/Dec/2026:00:00:00 +0000',
        timeEpoch: Date.UTC(2026, 11, 3),
      },
    });
    // The authorizer can read the API and stage back from it.
    expect(parseRouteArn(event.routeArn)).toEqual({ api: 'arn:aws:execute-api:local:000000000000:keygate', stage: '$default' });
  });

  it('builds the admin Lambda proxy event: IAM caller, text bodies as text, others base64', () => {
    const text = fakeRequest('POST', '/admin/keys/key_1/rotate', ['Content-Type', 'application/json']);
    const info = describeRequest(text, 'req-2');
    const route = matchRoute('POST', info.rawPath)!;
    const event = lambdaProxyEvent(api, route, info, Buffer.from('{"gracePeriodSeconds":0}'), 'local-admin');
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /admin/keys/{keyId}/rotate',
      pathParameters: { keyId: 'key_1' },
      body: '{"gracePeriodSeconds":0}',
      isBase64Encoded: false,
      requestContext: { authorizer: { iam: { userArn: 'local-admin' } }, routeKey: 'POST /admin/keys/{keyId}/rotate' },
    });

    const binary = describeRequest(fakeRequest('POST', '/admin/keys', ['Content-Type', 'application/octet-stream']), 'req-3');
    const event2 = lambdaProxyEvent(api, matchRoute('POST', '/admin/keys')!, binary, Buffer.from([0, 255]), 'local-admin');
    expect(event2).toMatchObject({ body: 'AP8=', isBase64Encoded: true });

    const empty = lambdaProxyEvent(api, matchRoute('GET', '/admin/keys')!, describeRequest(fakeRequest('GET', '/admin/keys', []), 'r'), Buffer.alloc(0), 'x');
    expect(empty).not.toHaveProperty('body');
    expect(empty.isBase64Encoded).toBe(false);
  });

  it('routeArn keeps the stage and method', () => {
    expect(routeArn({ ...api, stage: 'prod', region: 'eu-west-1' }, 'POST', '/v1/listen')).toBe(
      'arn:aws:execute-api:eu-west-1:000000000000:keygate/prod/POST/v1/listen',
    );
  });
});
