/**
 * The keys table, defined once. Tests, the local stack (CreateTable) and serverless.yml
 * (AWS::DynamoDB::Table) all build the table from this definition. No AWS SDK import: it is data.
 *
 * One table, two item kinds under the same partition:
 *   keyId = key_<128-bit hash prefix>, sk = "key"           the key record
 *   keyId = key_<...>,                 sk = "event#<time>#<id>"  audit entries of that key
 */
export const PARTITION_KEY = 'keyId';
export const SORT_KEY = 'sk';
export const RECORD_SORT_KEY = 'key';
export const EVENT_SORT_PREFIX = 'event#';
/** Epoch seconds after which DynamoDB may delete the item (lazily: up to ~48 h late). */
export const TTL_ATTRIBUTE = 'ttl';
/** Sparse index of key records, newest first (only key records carry `listPartition`). */
export const BY_CREATED_INDEX = 'byCreatedAt';
export const LIST_PARTITION_ATTRIBUTE = 'listPartition';
export const LIST_PARTITION_VALUE = 'key';
/** Key records by owner, newest first (only key records carry `owner`). */
export const BY_OWNER_INDEX = 'byOwner';

export interface TableDefinition {
  AttributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' }[];
  KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  GlobalSecondaryIndexes: {
    IndexName: string;
    KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
    Projection: { ProjectionType: 'ALL' };
  }[];
  BillingMode: 'PAY_PER_REQUEST';
}

export const keysTable: TableDefinition = {
  AttributeDefinitions: [
    { AttributeName: PARTITION_KEY, AttributeType: 'S' },
    { AttributeName: SORT_KEY, AttributeType: 'S' },
    { AttributeName: LIST_PARTITION_ATTRIBUTE, AttributeType: 'S' },
    { AttributeName: 'owner', AttributeType: 'S' },
    { AttributeName: 'createdAt', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
    { AttributeName: SORT_KEY, KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: BY_CREATED_INDEX,
      KeySchema: [
        { AttributeName: LIST_PARTITION_ATTRIBUTE, KeyType: 'HASH' },
        { AttributeName: 'createdAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
    {
      IndexName: BY_OWNER_INDEX,
      KeySchema: [
        { AttributeName: 'owner', KeyType: 'HASH' },
        { AttributeName: 'createdAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
  BillingMode: 'PAY_PER_REQUEST',
};
