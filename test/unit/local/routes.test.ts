import { matchRoute } from '../../../scripts/local/routes';
import { ROUTES, routeKey } from '../../../src/routes';

describe('matchRoute', () => {
  it('serves every route of the one route table', () => {
    for (const route of ROUTES) {
      const path = route.path.replace(/\{[^}]+\}/g, 'x');
      expect(matchRoute(route.method, path)).toMatchObject({ kind: 'deepgram', routeKey: routeKey(route) });
    }
  });

  it('fills path parameters from the request path (decoded)', () => {
    expect(matchRoute('GET', '/v1/models/nova%2D3')).toMatchObject({
      routeKey: 'GET /v1/models/{modelId}',
      pathParameters: { modelId: 'nova-3' },
    });
    expect(matchRoute('POST', '/admin/keys/key_abc/revoke')).toMatchObject({
      kind: 'admin',
      routeKey: 'POST /admin/keys/{keyId}/revoke',
      pathParameters: { keyId: 'key_abc' },
    });
  });

  it.each([
    ['GET', '/v1/listen'], // known path, other method: API Gateway answers 404 too
    ['POST', '/v1/listen/'],
    ['GET', '/v1/models/'],
    ['GET', '/v1/models/a/b'],
    ['POST', '/v2/listen'],
    ['DELETE', '/admin/keys/key_abc'],
  ])('no route for %s %s', (method, path) => {
    expect(matchRoute(method, path)).toBeUndefined();
  });

  it.each([
    '/v1/models/.',
    '/v1/models/..',
    '/v1/models/%2e',
    '/v1/models/%2e%2e',
    '/v1/models/%2E%2E',
    '/v1/models/.%2e',
    '/v1/models/%2E.',
    '/v1/models/..%2flisten',
    '/v1/models/..%2Flisten',
    '/v1/models/a%2fb',
    '/v1/models/a%5cb',
    '/v1/models/a%5Cb',
    '/v1/models/a\\b',
    '/v1/models/%252e%252e%2f',
  ])('a dot segment or an encoded slash matches no route: GET %s', (path) => {
    expect(matchRoute('GET', path)).toBeUndefined();
  });

  it('dot segments anywhere in the path, admin routes included, match nothing', () => {
    expect(matchRoute('POST', '/v1/./listen')).toBeUndefined();
    expect(matchRoute('GET', '/admin/keys/..')).toBeUndefined();
    expect(matchRoute('GET', '/admin/keys/%2e%2e/events')).toBeUndefined();
    expect(matchRoute('POST', '/admin/keys/a%2Fb/revoke')).toBeUndefined();
  });

  it('dots inside a segment are ordinary characters', () => {
    for (const id of ['nova-3.1', '...', '.hidden', 'a..b', '%2e%2e%2e']) {
      expect(matchRoute('GET', `/v1/models/${id}`)).toMatchObject({ routeKey: 'GET /v1/models/{modelId}' });
    }
    expect(matchRoute('GET', '/v1/models/%2e%2e%2e')!.pathParameters).toEqual({ modelId: '...' });
  });
});
