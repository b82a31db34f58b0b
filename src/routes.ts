/**
 * The one route/scope table. The authorizer's policies, the API routes in serverless.yml and the
 * local gateway all read this file: add a Deepgram route here and it exists everywhere.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Route {
  method: HttpMethod;
  /** API Gateway route path; `{name}` marks a path parameter. */
  path: string;
  /** The scope that grants this route. */
  scope: Scope;
}

/** Scopes name Deepgram capabilities. */
export const SCOPES = {
  listen: 'Transcribe pre-recorded audio (POST /v1/listen)',
  speak: 'Text to speech (POST /v1/speak)',
  models: 'List and inspect the deployed models (GET /v1/models...)',
} as const;

export type Scope = keyof typeof SCOPES;

/** Grants every route in the table, including routes added later. */
export const ALL_SCOPE = 'all';

export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/v1/listen', scope: 'listen' },
  { method: 'POST', path: '/v1/speak', scope: 'speak' },
  { method: 'GET', path: '/v1/models', scope: 'models' },
  { method: 'GET', path: '/v1/models/{modelId}', scope: 'models' },
];

/** Every scope a key may hold. */
export const KNOWN_SCOPES: readonly string[] = [...Object.keys(SCOPES), ALL_SCOPE];

export function isKnownScope(scope: string): boolean {
  return KNOWN_SCOPES.includes(scope);
}

/** The routes a set of scopes grants, in table order. Unknown scopes grant nothing. */
export function routesForScopes(scopes: readonly string[]): Route[] {
  if (scopes.includes(ALL_SCOPE)) return [...ROUTES];
  return ROUTES.filter((route) => scopes.includes(route.scope));
}

/** `POST /v1/listen`: the routeKey API Gateway uses. */
export function routeKey(route: Route): string {
  return `${route.method} ${route.path}`;
}
