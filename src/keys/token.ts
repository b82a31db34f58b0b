/**
 * API key format: `<prefix>_<secret><checksum>`, as GitHub tokens do.
 *  - prefix: short, lower-case, per deployment (secret scanners match on it)
 *  - secret: 256 random bits, base62 (43 characters)
 *  - checksum: CRC32 of the secret, base62 (6 characters), so typos and garbage are rejected
 *    without a database read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { base62, base62Width } from './base62';

export const SECRET_BITS = 256;
const SECRET_LENGTH = base62Width(SECRET_BITS); // 43
const CHECKSUM_LENGTH = base62Width(32); // 6
export const DEFAULT_KEY_PREFIX = 'kg';
export const PREFIX_PATTERN = /^[a-z][a-z0-9]{1,9}$/;
/** Longest prefix (10) + '_' + secret + checksum. Anything longer is rejected before parsing. */
export const MAX_KEY_LENGTH = 10 + 1 + SECRET_LENGTH + CHECKSUM_LENGTH;
/** How many characters of a key are safe to show to humans (prefix + a few of the secret). */
const START_SECRET_CHARS = 6;

const KEY_PATTERN = new RegExp(
  `^([a-z][a-z0-9]{1,9})_([0-9A-Za-z]{${SECRET_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
);

function checksum(secret: string): string {
  const value = crc32(secret) >>> 0;
  const bytes = new Uint8Array([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
  return base62(bytes, CHECKSUM_LENGTH);
}

export function assertValidPrefix(prefix: string): void {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new Error(`invalid key prefix "${prefix}": 2-10 characters, a-z then a-z/0-9`);
  }
}

/** A new random API key. The caller shows it once and stores only its hash. */
export function generateKey(prefix: string = DEFAULT_KEY_PREFIX): string {
  assertValidPrefix(prefix);
  const secret = base62(randomBytes(SECRET_BITS / 8), SECRET_LENGTH);
  return `${prefix}_${secret}${checksum(secret)}`;
}

/**
 * True when the string has the key format and a matching checksum. Cheap, allocation-light and
 * side-effect free: garbage never reaches the database. Any well-formed prefix is accepted so a
 * deployment can change its prefix without invalidating keys already issued.
 */
export function isWellFormedKey(candidate: string): boolean {
  if (candidate.length > MAX_KEY_LENGTH) return false;
  const match = KEY_PATTERN.exec(candidate);
  return match !== null && checksum(match[2]) === match[3];
}

/** Hex SHA-256 of the whole key: the only form in which a key is stored. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * The key id is the first 128 bits of the hash. Both the authorizer (from the presented key) and the
 * admin API (from the URL) find the record with the same strongly consistent GetItem.
 */
export function keyIdFromHash(hash: string): string {
  return `key_${hash.slice(0, 32)}`;
}

export const KEY_ID_PATTERN = /^key_[0-9a-f]{32}$/;

/** What is stored about a key: its id, hash and display-safe start; never the key itself. */
export function keyIdentity(key: string): { keyId: string; hash: string; start: string } {
  const hash = hashKey(key);
  return { keyId: keyIdFromHash(hash), hash, start: keyStart(key) };
}

/** Display-safe beginning of a key, e.g. `kg_3fA9xQ...`, for humans matching a key to a record. */
export function keyStart(key: string): string {
  const separator = key.indexOf('_');
  return `${key.slice(0, separator + 1 + START_SECRET_CHARS)}...`;
}
