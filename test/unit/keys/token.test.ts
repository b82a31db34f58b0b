import { createHash } from 'node:crypto';
import {
  KEY_ID_PATTERN,
  MAX_KEY_LENGTH,
  assertValidPrefix,
  generateKey,
  hashKey,
  isWellFormedKey,
  keyIdFromHash,
  keyIdentity,
  keyStart,
} from '../../../src/keys/token';
import { base62, base62Width } from '../../../src/keys/base62';

describe('base62', () => {
  it('encodes big-endian and pads to the width', () => {
    expect(base62(new Uint8Array([0]), 3)).toBe('000');
    expect(base62(new Uint8Array([61]), 1)).toBe('z');
    expect(base62(new Uint8Array([62]), 2)).toBe('10');
    expect(base62(new Uint8Array([1, 0]), 2)).toBe('48'); // 256 = 4*62 + 8
  });
  it('needs 43 characters for 256 bits and 6 for 32', () => {
    expect(base62Width(256)).toBe(43);
    expect(base62Width(32)).toBe(6);
  });
});

describe('generateKey', () => {
  it('has the prefix, 43 secret characters and a 6-character checksum', () => {
    const key = generateKey('kg');
    expect(key).toMatch(/^kg_[0-9A-Za-z]{49}$/);
    expect(isWellFormedKey(key)).toBe(true);
  });
  it('uses the configured prefix', () => {
    expect(generateKey('dgprod').startsWith('dgprod_')).toBe(true);
  });
  it('never repeats', () => {
    const keys = new Set(Array.from({ length: 2000 }, () => generateKey()));
    expect(keys.size).toBe(2000);
  });
  it('rejects prefixes scanners could not match', () => {
    for (const bad of ['', 'k', 'KG', '1kg', 'kg_', 'averyveryverylongprefix', 'k-g']) {
      expect(() => assertValidPrefix(bad)).toThrow(/invalid key prefix/);
    }
  });
});

describe('isWellFormedKey', () => {
  const key = generateKey();

  it('rejects a key with one character changed (checksum)', () => {
    const last = key[10] === 'a' ? 'b' : 'a';
    expect(isWellFormedKey(key.slice(0, 10) + last + key.slice(11))).toBe(false);
  });
  it('rejects a tampered checksum', () => {
    const tail = key.endsWith('0') ? '1' : '0';
    expect(isWellFormedKey(key.slice(0, -1) + tail)).toBe(false);
  });
  it('rejects whitespace, commas, truncation and extension', () => {
    for (const bad of [` ${key}`, `${key} `, `${key},${key}`, key.slice(0, -1), `${key}a`, key.replace('_', ' ')]) {
      expect(isWellFormedKey(bad)).toBe(false);
    }
  });
  it('rejects over-long input before matching', () => {
    expect(isWellFormedKey('a'.repeat(MAX_KEY_LENGTH + 1))).toBe(false);
    expect(isWellFormedKey('kg_' + 'A'.repeat(100_000))).toBe(false);
  });
  it('accepts any well-formed prefix (a deployment may change its prefix)', () => {
    expect(isWellFormedKey(generateKey('other'))).toBe(true);
  });
});

describe('hashing and key ids', () => {
  it('hashes with SHA-256 (hex)', () => {
    expect(hashKey('abc')).toBe(createHash('sha256').update('abc').digest('hex'));
    expect(hashKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('derives a 128-bit key id from the hash', () => {
    const hash = hashKey(generateKey());
    const keyId = keyIdFromHash(hash);
    expect(keyId).toBe(`key_${hash.slice(0, 32)}`);
    expect(keyId).toMatch(KEY_ID_PATTERN);
  });
  it('shows only the prefix and six characters', () => {
    const key = generateKey();
    expect(keyStart(key)).toBe(`${key.slice(0, 9)}...`);
  });
});

describe('keyIdentity', () => {
  it('is what gets stored: id, hash and start, never the key', () => {
    const key = generateKey();
    const identity = keyIdentity(key);
    expect(identity).toEqual({ keyId: keyIdFromHash(hashKey(key)), hash: hashKey(key), start: keyStart(key) });
    expect(JSON.stringify(identity)).not.toContain(key.slice(3));
  });
});
