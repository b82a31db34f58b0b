import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KeyRecord } from '../keys/record';
import { ConflictError, StoreUnavailableError, type KeyStore } from './keyStore';
import {
  LIST_PARTITION_ATTRIBUTE,
  LIST_PARTITION_VALUE,
  PARTITION_KEY,
  RECORD_SORT_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
} from './table';

/** How long a revoked or expired record stays in the table before DynamoDB TTL may delete it. */
export const DEFAULT_RETENTION_SECONDS = 90 * 24 * 3600;

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
    ...record
  } = item;
  return record as unknown as KeyRecord;
}

const AWS_CLIENT_FAULTS = new Set(['ConditionalCheckFailedException', 'TransactionCanceledException']);

/** Wrap SDK failures that mean "the store did not answer" so callers can fail closed. */
export function unavailable(error: unknown): unknown {
  const name = (error as { name?: string })?.name ?? '';
  if (AWS_CLIENT_FAULTS.has(name) || error instanceof ConflictError) return error;
  return new StoreUnavailableError(`key store unavailable: ${name || 'error'}`, { cause: error });
}

export class DynamoKeyStore implements KeyStore {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly table: string,
    protected readonly retentionSeconds = DEFAULT_RETENTION_SECONDS,
  ) {}

  async get(keyId: string): Promise<KeyRecord | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.table,
          Key: { [PARTITION_KEY]: keyId, [SORT_KEY]: RECORD_SORT_KEY },
          ConsistentRead: true,
        }),
      );
      return Item ? fromItem(Item) : undefined;
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
}
