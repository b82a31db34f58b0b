/**
 * The admin API as a middy handler, built from its dependencies so tests inject the store, the clock
 * and the key generator. Middlewares: header and event normalisation (@middy), the JSON body parser
 * (body.ts, see why there) and one error handler that gives every failure the contract's JSON shape.
 * Routing is @middy/http-router; a known path with the wrong method is a 405 with Allow.
 */
import middy from '@middy/core';
import httpRouter from '@middy/http-router';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpEventNormalizer from '@middy/http-event-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { jsonBody } from './body';
import { requestIdOf, resolveOptions, type AdminOptions, type AdminRoute } from './deps';
import { errorResponse, HttpError, notFound } from './errors';
import type { AdminEvent, HttpResponse } from './http';
import { createKey } from './routes/createKey';
import { listKeys } from './routes/listKeys';
import { getKey } from './routes/getKey';
import { updateKey } from './routes/updateKey';
import { revokeKey } from './routes/revokeKey';
import { rotateKey } from './routes/rotateKey';
import { listEvents } from './routes/listEvents';

export const ROUTE_FACTORIES = [createKey, listKeys, getKey, updateKey, revokeKey, rotateKey, listEvents];

/** `/admin/keys/{keyId}` → a regular expression for the same paths (optional trailing slash). */
function pathPattern(path: string): RegExp {
  return new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`);
}

function methodNotAllowed(routes: AdminRoute[]) {
  const paths = [...new Set(routes.map((route) => route.path))].map((path) => ({
    pattern: pathPattern(path),
    allow: routes.filter((route) => route.path === path).map((route) => route.method).join(', '),
  }));
  return ({ method, path }: { method: string; path: string }): never => {
    const known = paths.find((candidate) => candidate.pattern.test(path));
    if (known) {
      throw new HttpError(405, 'method_not_allowed', `${method.slice(0, 10)} is not allowed here; allowed: ${known.allow}`, undefined, {
        allow: known.allow,
      });
    }
    throw notFound('no such route');
  };
}

export type AdminHandler = (event: unknown, context: Context) => Promise<HttpResponse>;

export function createAdminApi(options: AdminOptions): AdminHandler {
  const deps = resolveOptions(options);
  const routes = ROUTE_FACTORIES.map((factory) => factory(deps));
  const router = httpRouter<APIGatewayProxyEventV2, APIGatewayProxyResultV2>({
    routes: routes.map((route) => ({
      method: route.method,
      path: route.path,
      handler: (event: APIGatewayProxyEventV2) => route.handler(event as unknown as AdminEvent),
    })),
    notFoundResponse: methodNotAllowed(routes),
  });
  const api = middy<AdminEvent, HttpResponse>()
    .use(httpHeaderNormalizer())
    .use(httpEventNormalizer())
    .use({
      onError: async (request) => {
        request.response = errorResponse(request.error, requestIdOf(request.event, request.context), deps.log);
      },
    })
    .use(jsonBody())
    .handler(router as never);
  return api as unknown as AdminHandler;
}
