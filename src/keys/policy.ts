/**
 * IAM policies for the HTTP API Lambda authorizer (IAM-policy response mode).
 *
 * API Gateway caches one answer per identity value and reuses it for every route of the API, so an
 * Allow policy names every route the key's scopes permit, never just the route being called.
 */
import { isKnownScope, routesForScopes, type Route } from '../routes';

export interface PolicyStatement {
  Action: 'execute-api:Invoke';
  Effect: 'Allow' | 'Deny';
  Resource: string[];
}

export interface AuthorizerPolicy {
  principalId: string;
  policyDocument: { Version: '2012-10-17'; Statement: PolicyStatement[] };
  context?: Record<string, string | number | boolean>;
}

export interface ApiArn {
  /** `arn:aws:execute-api:{region}:{account}:{apiId}` */
  api: string;
  stage: string;
}

const ROUTE_ARN_PATTERN = /^(arn:[a-z-]+:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9]+)\/([^/]+)\//;

/**
 * The API and stage of a route ARN (`payload 2.0 routeArn`) or method ARN (payload 1.0):
 * `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`.
 */
export function parseRouteArn(routeArn: string): ApiArn | undefined {
  const match = ROUTE_ARN_PATTERN.exec(routeArn);
  return match ? { api: match[1], stage: match[2] } : undefined;
}

/** Path parameters (`{modelId}`, `{proxy+}`) become `*`. */
export function routeResource(api: ApiArn, route: Route): string {
  const path = route.path.replace(/\{[^}]+\}/g, '*');
  return `${api.api}/${api.stage}/${route.method}${path}`;
}

/** Allow every route the scopes grant; a key whose scopes grant nothing gets a Deny. */
export function allowPolicy(
  api: ApiArn,
  principalId: string,
  scopes: readonly string[],
  context: Record<string, string | number | boolean>,
): AuthorizerPolicy {
  const resources = [...new Set(routesForScopes(scopes).map((route) => routeResource(api, route)))];
  if (resources.length === 0) return denyPolicy(api, principalId, context);
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resources }],
    },
    context,
  };
}

/** Deny every route of the stage: safe to cache for any route. */
export function denyPolicy(
  api: ApiArn | undefined,
  principalId: string,
  context?: Record<string, string | number | boolean>,
): AuthorizerPolicy {
  const resource = api ? `${api.api}/${api.stage}/*` : 'arn:aws:execute-api:*:*:*';
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [resource] }],
    },
    ...(context ? { context } : {}),
  };
}

/** Longest owner passed on to the upstream, in characters; longer values are cut. */
export const MAX_CONTEXT_OWNER = 128;

/** Stands for "no owner": the owner header mapped to the upstream is never empty. */
export const NO_OWNER = '-';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A value that can travel as an HTTP header: cut at `max` characters (whole code points, so an emoji
 * is never split), then every character outside printable ASCII, and `%` itself, percent-encoded as
 * UTF-8. `Zoë` becomes `Zo%C3%AB`; decodeURIComponent gives the original back.
 */
export function headerSafe(value: string, max: number): string {
  const cut = Array.from(value.replace(LONE_SURROGATE, '\uFFFD')).slice(0, max).join('');
  return cut.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) => encodeURIComponent(c));
}

/**
 * The flat context API Gateway hands to the integration and access logs: never the key or its hash.
 * Only known scopes are listed and the owner is cut and made header-safe, so the answer is bounded
 * whatever the data and every value can be mapped into an upstream header (never empty).
 */
export function keyContext(keyId: string, owner: string | undefined, scopes: readonly string[]) {
  return {
    keyId,
    owner: owner ? headerSafe(owner, MAX_CONTEXT_OWNER) : NO_OWNER,
    scopes: [...new Set(scopes.filter(isKnownScope))].join(' '),
  };
}
