import { TtlCache } from '../../../src/lib/ttlCache';

describe('TtlCache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000;
  });

  it('returns a value until its TTL passes', () => {
    const cache = new TtlCache<string>(100, 10, clock);
    cache.set('a', 'x');
    now += 99;
    expect(cache.get('a')).toBe('x');
    now += 1;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
  it('keeps null values (negative answers)', () => {
    const cache = new TtlCache<string | null>(100, 10, clock);
    cache.set('a', null);
    expect(cache.get('a')).toBeNull();
  });
  it('evicts the oldest entry at capacity', () => {
    const cache = new TtlCache<number>(1000, 3, clock);
    for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) cache.set(k, i);
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('d')).toBe(3);
  });
  it('is off with a zero TTL', () => {
    const cache = new TtlCache<number>(0, 10, clock);
    cache.set('a', 1);
    expect(cache.enabled).toBe(false);
    expect(cache.get('a')).toBeUndefined();
  });
});
