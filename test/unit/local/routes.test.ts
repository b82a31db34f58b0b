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
});
