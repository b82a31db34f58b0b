/** Shared helpers for the admin unit tests: an in-memory KeyStore, request builders, a fixed clock. */
import type { Context } from 'aws-lambda';
import type { KeyRecord } from '../../../src/keys/record';
import {
  ConflictError,
  NotFoundError,
  type AuditEvent,
  type KeyStore,
  type KeyWrite,
  type ListQuery,
  type Page,
  type Versioned,
} from '../../../src/store/keyStore';
import { createAdminApi, type AdminHandler } from '../../../src/admin/api';
import type { AdminOptions } from '../../../src/admin/deps';
import { createLogger } from '../../../src/lib/log';

const clone = <T>(value: T): T => structuredClone(value);

/**
 * The KeyStore contract in memory: versions, all-or-nothing writes and the same error classes as
 * DynamoKeyStore (whose own behaviour the store and integration tests check against DynamoDB).
 */
export class MemoryKeyStore implements KeyStore {
  readonly records = new Map<string, Versioned>();
  readonly audit: AuditEvent[] = [];
  writes = 0;
  private seq = 0;

  async get(keyId: string) {
    const found = this.records.get(keyId);
    return found ? clone(found.record) : undefined;
  }
  async load(keyId: string) {
    const found = this.records.get(keyId);
    return found ? clone(found) : undefined;
  }
  async create(record: KeyRecord) {
    if (this.records.has(record.keyId)) throw new ConflictError('exists');
    this.records.set(record.keyId, { record: clone(record), version: 0 });
  }
  async write({ create, replace, events }: KeyWrite) {
    if (create && this.records.has(create.keyId)) throw new ConflictError('collision', 'key_id_collision');
    if (replace) {
      const stored = this.records.get(replace.previous.record.keyId);
      if (!stored) throw new NotFoundError('gone');
      if (stored.version !== replace.previous.version) {
        throw stored.record.status === 'revoked'
          ? new ConflictError('revoked', 'key_revoked')
          : new ConflictError('changed', 'concurrent_change');
      }
    }
    this.writes++;
    if (create) this.records.set(create.keyId, { record: clone(create), version: 1 });
    if (replace) this.records.set(replace.next.keyId, { record: clone(replace.next), version: replace.previous.version + 1 });
    for (const event of events) this.audit.push({ ...clone(event), eventId: `event#${event.at}#${++this.seq}` });
  }
  async list({ owner, status, limit, cursor }: ListQuery): Promise<Page<KeyRecord>> {
    const all = [...this.records.values()]
      .map((v) => v.record)
      .filter((r) => (owner === undefined || r.owner === owner) && (status === undefined || r.status === status))
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
    const start = cursor ? Number(cursor) : 0;
    const items = all.slice(start, start + limit);
    return { items: clone(items), nextCursor: start + limit < all.length ? String(start + limit) : null };
  }
  async events(keyId: string, { limit }: { limit: number }) {
    return { items: clone(this.audit.filter((e) => e.keyId === keyId).slice(0, limit)), nextCursor: null };
  }
}

export const NOW = Date.parse('2027-03-01T12:00:00.000Z');
export const NOW_S = NOW / 1000;
export const ADMIN_ARN = 'arn:aws:iam::123456789012:user/alice';

export interface Harness {
  api: AdminHandler;
  store: MemoryKeyStore;
  logs: string[];
  clock: { now: number };
  call: (method: string, path: string, options?: RequestOptions) => Promise<Reply>;
}

export interface RequestOptions {
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  headers?: Record<string, string>;
  base64?: boolean;
  query?: Record<string, string>;
  userArn?: string | null;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: any;
  raw: string;
}

export function httpEvent(method: string, path: string, options: RequestOptions = {}) {
  const text = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const headers = { 'Content-Type': 'application/json', ...(options.headers ?? {}) };
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers,
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(text === undefined ? {} : { body: options.base64 ? Buffer.from(text, 'utf8').toString('base64') : text }),
    isBase64Encoded: Boolean(options.base64),
    requestContext: {
      requestId: 'apigw-req-1',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.1', userAgent: 'test' },
      ...(options.userArn === null ? {} : { authorizer: { iam: { userArn: options.userArn ?? ADMIN_ARN } } }),
    },
  };
}

export const lambdaContext = { awsRequestId: 'lambda-req-1' } as Context;

export function harness(overrides: Partial<AdminOptions> = {}, store = new MemoryKeyStore()): Harness {
  const logs: string[] = [];
  const clock = { now: NOW };
  const api = createAdminApi({
    store,
    now: () => clock.now,
    log: createLogger('test', 'debug', (line) => logs.push(line)),
    ...overrides,
  });
  const call = async (method: string, path: string, options?: RequestOptions): Promise<Reply> => {
    const response = await api(httpEvent(method, path, options), lambdaContext);
    return { status: response.statusCode, headers: response.headers, body: JSON.parse(response.body), raw: response.body };
  };
  return { api, store, logs, clock, call };
}

export const validKey = { name: 'transcriber', scopes: ['listen'] };
