/** Builders for authorizer events and key records used across tests. */
import { generateKey, keyIdentity } from '../../src/keys/token';
import type { KeyRecord } from '../../src/keys/record';

export const API = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234';

export function routeArn(method: string, path: string, stage = '$default'): string {
  return `${API}/${stage}/${method}${path}`;
}

/** A payload 2.0 REQUEST authorizer event as API Gateway sends it (lower-cased headers). */
export function eventV2(headers: Record<string, string>, method = 'POST', path = '/v1/listen', stage = '$default') {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: routeArn(method, path, stage),
    identitySource: lower['x-api-key'] ? [lower['x-api-key']] : [],
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: lower,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      domainName: 'abcdef1234.execute-api.eu-west-1.amazonaws.com',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: `${method} ${path}`,
      stage,
      time: '03/Dec/2026:16:00:00 +0000',
      timeEpoch: 1796313600000,
    },
  };
}

/** A payload 1.0 REQUEST authorizer event: methodArn and the client's header case. */
export function eventV1(headers: Record<string, string>, method = 'POST', path = '/v1/listen', stage = '$default') {
  return {
    version: '1.0',
    type: 'REQUEST',
    methodArn: routeArn(method, path, stage),
    headers,
    httpMethod: method,
    path,
  };
}

/** A fresh key and the record that stores it. */
export function issued(overrides: Partial<KeyRecord> = {}, prefix = 'kg'): { key: string; record: KeyRecord } {
  const key = generateKey(prefix);
  const record: KeyRecord = {
    ...keyIdentity(key),
    name: 'test key',
    owner: 'team-a',
    scopes: ['listen'],
    status: 'active',
    createdAt: '2026-12-01T00:00:00.000Z',
    createdBy: 'test',
    ...overrides,
  };
  return { key, record };
}
