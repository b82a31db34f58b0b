/**
 * Route matching as API Gateway HTTP API does it: a route is a method and a path whose `{name}`
 * segments match exactly one non-empty path segment. No matching route → 404 (whatever the method).
 * Deepgram routes come from the one table, src/routes.ts; the admin routes are DESIGN §5's.
 * A path that could mean another path once normalised or decoded matches no route at all: a `.` or
 * `..` segment (raw or percent-encoded), or an encoded slash or backslash (`%2F`, `%5C`) or a raw
 * backslash anywhere. Such a path never reaches the authorizer, whose policy is checked against the
 * raw path, nor the upstream, which might resolve it to a route the key was not given.
 */
import { ROUTES, type HttpMethod } from '../../src/routes';

export type RouteKind = 'deepgram' | 'admin';

export interface RouteDefinition {
  kind: RouteKind;
  method: HttpMethod;
  path: string;
}

export interface MatchedRoute extends RouteDefinition {
  /** `POST /v1/listen`, `GET /v1/models/{modelId}`: the route's key, not the request's path. */
  routeKey: string;
  pathParameters: Record<string, string>;
}

/** The admin API's routes (DESIGN §5), protected by AWS_IAM in AWS and a bearer token locally. */
export const ADMIN_ROUTES: readonly RouteDefinition[] = [
  { kind: 'admin', method: 'POST', path: '/admin/keys' },
  { kind: 'admin', method: 'GET', path: '/admin/keys' },
  { kind: 'admin', method: 'GET', path: '/admin/keys/{keyId}' },
  { kind: 'admin', method: 'PATCH', path: '/admin/keys/{keyId}' },
  { kind: 'admin', method: 'POST', path: '/admin/keys/{keyId}/revoke' },
  { kind: 'admin', method: 'POST', path: '/admin/keys/{keyId}/rotate' },
  { kind: 'admin', method: 'GET', path: '/admin/keys/{keyId}/events' },
];

export const GATEWAY_ROUTES: readonly RouteDefinition[] = [
  ...ROUTES.map((route) => ({ kind: 'deepgram' as const, method: route.method, path: route.path })),
  ...ADMIN_ROUTES,
];

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `.`, `..` (any mix of `.` and `%2e`/`%2E`), an encoded `/` or `\\`, or a backslash. */
function isAmbiguous(segment: string): boolean {
  if (segment.includes('\\') || /%(2f|5c)/i.test(segment)) return true;
  const dots = segment.replace(/%2e/gi, '.');
  return dots === '.' || dots === '..';
}

function matchPath(template: string, got: readonly string[]): Record<string, string> | undefined {
  const want = template.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = Object.create(null);
  for (let i = 0; i < want.length; i++) {
    const param = /^\{([^}+]+)\}$/.exec(want[i]);
    if (param) {
      if (got[i] === '') return undefined;
      params[param[1]] = decode(got[i]);
    } else if (want[i] !== got[i]) {
      return undefined;
    }
  }
  return params;
}

/** The route serving `method path`, or undefined (API Gateway answers 404). */
export function matchRoute(
  method: string,
  path: string,
  routes: readonly RouteDefinition[] = GATEWAY_ROUTES,
): MatchedRoute | undefined {
  const segments = path.split('/');
  if (segments.some(isAmbiguous)) return undefined;
  for (const route of routes) {
    if (route.method !== method) continue;
    const params = matchPath(route.path, segments);
    if (params) return { ...route, routeKey: `${route.method} ${route.path}`, pathParameters: { ...params } };
  }
  return undefined;
}
