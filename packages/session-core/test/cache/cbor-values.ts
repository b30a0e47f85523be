/** Numbers at every boundary of CBOR's integer heads, and some that are not integers. */
export const NUMBERS = [
  0,
  -0,
  1,
  23,
  24,
  255,
  256,
  65_535,
  65_536,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  -1,
  -24,
  -25,
  -256,
  -257,
  -65_536,
  -65_537,
  -(2 ** 31),
  -(2 ** 31) - 1,
  -(2 ** 32),
  -(2 ** 32) - 1,
  1.5,
  -0.1,
  1e300,
  5e-324,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  Infinity,
  -Infinity,
  1_764_171_299_123,
];

/** Random plain values (what sessions hold), from a seeded xorshift so a failure replays. */
export function randomPlainValues(seed: number) {
  let x = seed;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  const string = () => {
    const length = [0, 5, 23, 24, 40, 255, 256, 300][int(8)]!;
    let s = '';
    for (let i = 0; i < length; i++) s += String.fromCharCode(32 + int(95));
    return s;
  };
  const value = (depth: number): unknown => {
    switch (int(depth >= 2 ? 6 : 8)) {
      case 0:
        return NUMBERS[int(NUMBERS.length)];
      case 1:
        return (next() - 0.5) * 10 ** int(20);
      case 2:
        return string();
      case 3:
        return [true, false, null, undefined][int(4)];
      case 4:
        return int(2 ** 20) - 2 ** 19;
      case 5:
        return int(1000);
      case 6: {
        const array: unknown[] = [];
        const n = [0, 3, 23, 24, 30][int(5)]!;
        for (let i = 0; i < n; i++) array.push(value(depth + 1));
        return array;
      }
      default: {
        const object: Record<string, unknown> = {};
        const n = [0, 2, 5, 23, 24, 30][int(6)]!;
        for (let i = 0; i < n; i++) object[string() || `k${i}`] = value(depth + 1);
        return object;
      }
    }
  };
  return { value };
}
