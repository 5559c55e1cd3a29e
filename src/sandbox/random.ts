// A seeded PRNG for the sandbox. Everything the sandbox invents (ids, names, dates, tokens,
// mutations) comes from here so that the same seed gives byte-identical data; Math.random is
// never used. sfc32 has a 128-bit state (a long period for 100k-contact seeds) and is fast
// in plain JS numbers.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Index in [0, n) with weight 1/(i+1)^s: a few items dominate, like real tag usage. */
  zipf(n: number, s?: number): number;
  /** Index chosen by relative weights. */
  weighted(weights: readonly number[]): number;
  /** HighLevel-style id: 20 alphanumerics. */
  id(length?: number): string;
  /** A UUID-shaped string (version 4 layout), from this generator. */
  uuid(): string;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
const ALPHANUMERIC_CODES = Array.from(ALPHANUMERIC, (char) => char.charCodeAt(0));

/** splitmix32: spreads a small seed (0, 1, 2...) over all 32 bits. */
function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A 32-bit hash of a seed and labels, so independent streams (per location, per purpose)
 * can be derived without consuming the parent stream. */
export function deriveSeed(seed: number, ...labels: Array<string | number>): number {
  let h = (Math.trunc(seed) ^ 0x811c9dc5) >>> 0;
  for (const label of labels) {
    const text = `|${label}`;
    for (let i = 0; i < text.length; i++) {
      h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    }
  }
  return splitmix32(h)();
}

const zipfTables = new Map<string, Float64Array>();

function zipfCumulative(n: number, s: number): Float64Array {
  const key = `${n}:${s}`;
  let table = zipfTables.get(key);
  if (!table) {
    table = new Float64Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += 1 / Math.pow(i + 1, s);
      table[i] = sum;
    }
    for (let i = 0; i < n; i++) table[i] = table[i]! / sum;
    zipfTables.set(key, table);
  }
  return table;
}

export function createRng(seed: number): Rng {
  const init = splitmix32(Math.trunc(seed));
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const nextUint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  // Warm up: the first outputs of sfc32 are correlated with the seed.
  for (let i = 0; i < 12; i++) nextUint32();

  const next = (): number => nextUint32() / 4294967296;
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));

  return {
    next,
    int,
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    zipf(n, s = 1.1) {
      const table = zipfCumulative(n, s);
      const r = next();
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (table[mid]! > r) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    },
    weighted(weights) {
      let total = 0;
      for (const w of weights) total += w;
      let r = next() * total;
      for (let i = 0; i < weights.length; i++) {
        r -= weights[i]!;
        if (r < 0) return i;
      }
      return weights.length - 1;
    },
    id(length = 20) {
      // Built from char codes, not by `+=`: concatenation leaves a rope of `length` nodes per
      // id, which costs hundreds of bytes each across 100k contacts.
      const codes = new Array<number>(length);
      for (let i = 0; i < length; i++) codes[i] = ALPHANUMERIC_CODES[nextUint32() % 62]!;
      return String.fromCharCode(...codes);
    },
    uuid() {
      let hex = '';
      for (let i = 0; i < 32; i++) hex += HEX[nextUint32() & 15];
      const variant = HEX[8 + (nextUint32() & 3)];
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    },
  };
}
