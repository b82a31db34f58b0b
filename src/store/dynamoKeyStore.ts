import { randomBytes, randomUUID } from 'node:crypto';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { KeyRecord } from '../keys/record';
import {
  ConflictError,
  InvalidCursorError,
  NotFoundError,
  StoreUnavailableError,
  type AuditEvent,
  type KeyStore,
  type KeyWrite,
  type ListQuery,
  type NewAuditEvent,
  type Page,
  type Versioned,
} from './keyStore';
import { decodeEventCursor, decodeListCursor, encodeCursor } from './cursor';
import {
  BY_CREATED_INDEX,
  BY_OWNER_INDEX,
  EVENT_SORT_PREFIX,
  LIST_PARTITION_ATTRIBUTE,
  LIST_PARTITION_VALUE,
  PARTITION_KEY,
  RECORD_SORT_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
} from './table';

/** How long a revoked or expired record stays in the table before DynamoDB TTL may delete it. */
export const DEFAULT_RETENTION_SECONDS = 90 * 24 * 3600;
/**
 * How long an audit entry is kept (from the time of the event). Longer than the record's own
 * retention, so a key's history outlives the key by most of a year (audits are often yearly).
 */
export const DEFAULT_AUDIT_RETENTION_SECONDS = 400 * 24 * 3600;
/**
 * Store-internal optimistic-concurrency counter on key records, bumped by every admin write and
 * never part of KeyRecord. Records written by `create` have none (read as version 0).
 */
export const VERSION_ATTRIBUTE = 'version';
/** Items a filtered listing reads per Query, and Queries per listing before it returns a short page. */
const FILTERED_PAGE_SIZE = 100;
const DEFAULT_MAX_LIST_QUERIES = 20;

type Item = Record<string, unknown>;

/** Epoch seconds after which the record is only history: expiry or revocation + retention. */
export function recordTtl(record: KeyRecord, retentionSeconds: number): number | undefined {
  const revoked = record.revokedAt ? Math.floor(Date.parse(record.revokedAt) / 1000) : undefined;
  const end = [revoked, record.expiresAt].filter((t): t is number => t !== undefined);
  return end.length ? Math.min(...end) + retentionSeconds : undefined;
}

export function toItem(record: KeyRecord, retentionSeconds = DEFAULT_RETENTION_SECONDS): Item {
  return {
    ...record,
    [SORT_KEY]: RECORD_SORT_KEY,
    [LIST_PARTITION_ATTRIBUTE]: LIST_PARTITION_VALUE,
    [TTL_ATTRIBUTE]: recordTtl(record, retentionSeconds),
  };
}

export function fromItem(item: Item): KeyRecord {
  const {
    [SORT_KEY]: _sk,
    [LIST_PARTITION_ATTRIBUTE]: _list,
    [TTL_ATTRIBUTE]: _ttl,
    [VERSION_ATTRIBUTE]: _version,
    ...record
  } = item;
  return record as unknown as KeyRecord;
}

/**
 * An audit item. Deliberately no `owner` and no `listPartition` attribute: the byOwner and
 * byCreatedAt indexes are sparse, and only key records may appear in them.
 */
export function eventToItem(event: NewAuditEvent, eventId: string, auditRetentionSeconds: number): Item {
  return {
    ...event,
    [SORT_KEY]: eventId,
    [TTL_ATTRIBUTE]: Math.floor(Date.parse(event.at) / 1000) + auditRetentionSeconds,
  };
}

export function eventFromItem(item: Item): AuditEvent {
  const { [SORT_KEY]: eventId, [TTL_ATTRIBUTE]: _ttl, ...event } = item;
  return { ...(event as Omit<AuditEvent, 'eventId'>), eventId: eventId as string };
}

/**
 * `event#<ISO time>#<record version>#<random>`: sorts by time, then (same millisecond) by the
 * version the change produced, so a key's entries keep the order of its writes; the random part
 * keeps any two entries apart.
 */
export function newEventId(at: string, version: number): string {
  return `${EVENT_SORT_PREFIX}${at}#${String(version).padStart(10, '0')}#${randomBytes(8).toString('hex')}`;
}

const AWS_CLIENT_FAULTS = new Set(['ConditionalCheckFailedException', 'TransactionCanceledException']);
const STORE_ERRORS = [ConflictError, NotFoundError, InvalidCursorError, StoreUnavailableError];
/**
 * Names (or Node `code`s) of failures that mean DynamoDB or the way to it did not answer, for the
 * rare ones that reach us without the SDK's `$metadata` (timeouts, aborts, sockets).
 */
const OUTAGE_NAMES = new Set([
  'TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException', 'NetworkingError',
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'InternalServerError',
  'ServiceUnavailable', 'ServiceUnavailableException',
]);

/** Whether an error comes from the AWS SDK (it carries `$metadata`) or from the network. */
function isOutage(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { $metadata, name, code } = error as { $metadata?: unknown; name?: unknown; code?: unknown };
  return (
    ($metadata !== undefined && $metadata !== null) ||
    (typeof name === 'string' && OUTAGE_NAMES.has(name)) ||
    (typeof code === 'string' && OUTAGE_NAMES.has(code))
  );
}

/**
 * Wrap SDK and network failures, which mean "the store did not answer", so callers can fail closed
 * (the admin API answers 503). Anything else, such as the marshaller refusing an item, is a local
 * bug and stays a plain error (500): retrying would not help and it is no outage.
 */
export function unavailable(error: unknown): unknown {
  const name = (error as { name?: string })?.name ?? '';
  if (AWS_CLIENT_FAULTS.has(name) || STORE_ERRORS.some((type) => error instanceof type)) return error;
  if (!isOutage(error)) return error;
  const code = (error as { code?: unknown }).code;
  const label = (name === '' || name === 'Error') && typeof code === 'string' ? code : name || 'error';
  return new StoreUnavailableError(`key store unavailable: ${label}`, { cause: error });
}

function cancellationCodes(error: unknown): string[] {
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}

export interface DynamoKeyStoreOptions {
  auditRetentionSeconds?: number;
  /** Queries a status-filtered listing may make before returning a short page (with a cursor). */
  maxListQueries?: number;
}

export class DynamoKeyStore implements KeyStore {
  protected readonly auditRetentionSeconds: number;
  protected readonly maxListQueries: number;

  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly table: string,
    protected readonly retentionSeconds = DEFAULT_RETENTION_SECONDS,
    options: DynamoKeyStoreOptions = {},
  ) {
    this.auditRetentionSeconds = options.auditRetentionSeconds ?? DEFAULT_AUDIT_RETENTION_SECONDS;
    this.maxListQueries = options.maxListQueries ?? DEFAULT_MAX_LIST_QUERIES;
  }

  async get(keyId: string): Promise<KeyRecord | undefined> {
    const item = await this.getItem(keyId);
    return item ? fromItem(item) : undefined;
  }

  async load(keyId: string): Promise<Versioned | undefined> {
    const item = await this.getItem(keyId);
    if (!item) return undefined;
    const version = item[VERSION_ATTRIBUTE];
    return { record: fromItem(item), version: typeof version === 'number' ? version : 0 };
  }

  private async getItem(keyId: string): Promise<Item | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.table,
          Key: { [PARTITION_KEY]: keyId, [SORT_KEY]: RECORD_SORT_KEY },
          ConsistentRead: true,
        }),
      );
      return Item;
    } catch (error) {
      throw unavailable(error);
    }
  }

  async create(record: KeyRecord): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: toItem(record, this.retentionSeconds),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
        throw new ConflictError(`key ${record.keyId} already exists`);
      }
      throw unavailable(error);
    }
  }

  async write({ create, replace, events }: KeyWrite): Promise<void> {
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [];
    if (create) {
      items.push({
        Put: {
          TableName: this.table,
          Item: { ...toItem(create, this.retentionSeconds), [VERSION_ATTRIBUTE]: 1 },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        },
      });
    }
    if (replace) {
      const { previous, next } = replace;
      if (next.keyId !== previous.record.keyId) throw new Error('replace must keep the key id');
      // The whole item is rewritten (so the TTL follows the new expiry/revocation), but only if
      // nobody wrote it since it was read: the rules checked on `previous` still hold.
      items.push({
        Put: {
          TableName: this.table,
          Item: { ...toItem(next, this.retentionSeconds), [VERSION_ATTRIBUTE]: previous.version + 1 },
          ...(previous.version === 0
            ? {
                ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#v)',
                ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#v': VERSION_ATTRIBUTE },
              }
            : {
                ConditionExpression: '#v = :v',
                ExpressionAttributeNames: { '#v': VERSION_ATTRIBUTE },
                ExpressionAttributeValues: { ':v': previous.version },
              }),
        },
      });
    }
    // The version each key has after this write (0: a key this write does not touch).
    const versionOf = (keyId: string) =>
      keyId === create?.keyId ? 1 : keyId === replace?.next.keyId ? replace.previous.version + 1 : 0;
    for (const event of events) {
      items.push({
        Put: {
          TableName: this.table,
          Item: eventToItem(event, newEventId(event.at, versionOf(event.keyId)), this.auditRetentionSeconds),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        },
      });
    }
    try {
      // The token makes SDK retries of this same call idempotent: a retry after a lost response
      // does not fail its own version check.
      await this.client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }));
    } catch (error) {
      throw await this.writeFailure(error, create, replace?.previous.record.keyId);
    }
  }

  /** Turn a cancelled transaction into the reason the caller can act on. */
  private async writeFailure(error: unknown, create?: KeyRecord, replacedKeyId?: string): Promise<unknown> {
    if ((error as { name?: string }).name !== 'TransactionCanceledException') return unavailable(error);
    const codes = cancellationCodes(error);
    if (create && codes[0] === 'ConditionalCheckFailed') {
      return new ConflictError(`key id ${create.keyId} already exists`, 'key_id_collision');
    }
    if (replacedKeyId && codes[create ? 1 : 0] === 'ConditionalCheckFailed') {
      const current = await this.get(replacedKeyId);
      if (!current) return new NotFoundError(`key ${replacedKeyId} not found`);
      if (current.status === 'revoked') return new ConflictError(`key ${replacedKeyId} is revoked`, 'key_revoked');
      return new ConflictError(`key ${replacedKeyId} was changed by another request; retry`, 'concurrent_change');
    }
    if (codes.includes('TransactionConflict')) {
      return new ConflictError('a concurrent request is changing the same key; retry', 'concurrent_change');
    }
    return new StoreUnavailableError(`key store write cancelled: ${codes.join(',') || 'unknown'}`, { cause: error });
  }

  /**
   * Newest first. DynamoDB applies Limit before the filter, so a status filter reads bigger pages
   * and cuts the result at `limit`, resuming from the last item returned; it gives up after
   * maxListQueries Queries (a short page with a cursor) so one call stays bounded in time.
   */
  async list({ owner, status, limit, cursor }: ListQuery): Promise<Page<KeyRecord>> {
    let startKey: Item | undefined = cursor === undefined ? undefined : decodeListCursor(cursor, owner);
    const byOwner = owner !== undefined;
    const items: Item[] = [];
    for (let queries = 0; queries < this.maxListQueries; queries++) {
      const remaining = limit - items.length;
      let page;
      try {
        page = await this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: byOwner ? BY_OWNER_INDEX : BY_CREATED_INDEX,
            KeyConditionExpression: '#p = :p',
            ExpressionAttributeNames: {
              '#p': byOwner ? 'owner' : LIST_PARTITION_ATTRIBUTE,
              ...(status ? { '#s': 'status' } : {}),
            },
            ExpressionAttributeValues: {
              ':p': byOwner ? owner : LIST_PARTITION_VALUE,
              ...(status ? { ':s': status } : {}),
            },
            ...(status ? { FilterExpression: '#s = :s' } : {}),
            ScanIndexForward: false,
            Limit: status ? Math.max(remaining, FILTERED_PAGE_SIZE) : remaining,
            ExclusiveStartKey: startKey,
          }),
        );
      } catch (error) {
        throw unavailable(error);
      }
      const found = page.Items ?? [];
      if (found.length > remaining) {
        // More matches than room: stop after the last one returned and resume right after it.
        items.push(...found.slice(0, remaining));
        return { items: items.map(fromItem), nextCursor: encodeCursor(this.listKey(items[items.length - 1], byOwner)) };
      }
      items.push(...found);
      startKey = page.LastEvaluatedKey;
      if (!startKey || items.length === limit) break;
    }
    return {
      items: items.map(fromItem),
      nextCursor: startKey ? encodeCursor(startKey as Record<string, string>) : null,
    };
  }

  /** The index start key of an item: table key + index key. */
  private listKey(item: Item, byOwner: boolean): Record<string, string> {
    const key: Record<string, string> = {
      [PARTITION_KEY]: item[PARTITION_KEY] as string,
      [SORT_KEY]: item[SORT_KEY] as string,
      createdAt: item.createdAt as string,
    };
    if (byOwner) key.owner = item.owner as string;
    else key[LIST_PARTITION_ATTRIBUTE] = item[LIST_PARTITION_ATTRIBUTE] as string;
    return key;
  }

  async events(keyId: string, { limit, cursor }: { limit: number; cursor?: string }): Promise<Page<AuditEvent>> {
    const startKey = cursor === undefined ? undefined : decodeEventCursor(cursor, keyId);
    try {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#pk = :k AND begins_with(#sk, :e)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
          ExpressionAttributeValues: { ':k': keyId, ':e': EVENT_SORT_PREFIX },
          ConsistentRead: true,
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      return {
        items: (page.Items ?? []).map(eventFromItem),
        nextCursor: page.LastEvaluatedKey ? encodeCursor(page.LastEvaluatedKey as Record<string, string>) : null,
      };
    } catch (error) {
      throw unavailable(error);
    }
  }
}
