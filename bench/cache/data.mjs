// The benchmark data set, the same for every engine: session-id-like keys, 1 KiB random values
// and ~1 KiB session-like objects, generated from a fixed seed.

export const KEY_COUNT = 10_000;
export const RAW_VALUE_BYTES = 1024;

function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(rnd, n) {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

/** 22-character base64url ids, like the session manager's 128-bit ids. */
export function makeKeys(seed = 1) {
  const rnd = mulberry32(seed);
  return Array.from(
    { length: KEY_COUNT },
    () => `sess:${randomBytes(rnd, 16).toString('base64url')}`,
  );
}

export function makeRawValues(seed = 2) {
  const rnd = mulberry32(seed);
  return Array.from({ length: KEY_COUNT }, () => randomBytes(rnd, RAW_VALUE_BYTES));
}

/** A logged-in user's session with a cart and a flash message: about 1 KiB as JSON. */
export function makeSession(rnd, i) {
  const hex = (n) => randomBytes(rnd, n).toString('hex');
  return {
    cookie: {
      originalMaxAge: 86_400_000,
      expires: new Date(1_800_000_000_000 + i * 1000).toISOString(),
      httpOnly: true,
      secure: true,
      path: '/',
      sameSite: 'lax',
    },
    userId: 100_000 + i,
    username: `user${i}`,
    email: `user${i}@example.com`,
    displayName: `Example User Number ${i}`,
    roles: ['customer', i % 7 === 0 ? 'admin' : 'member'],
    csrfToken: hex(24),
    loginAt: 1_799_990_000_000 + i,
    lastSeen: 1_799_999_000_000 + i,
    ip: `10.${i & 255}.${(i >> 8) & 255}.7`,
    userAgent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    prefs: { theme: i % 2 ? 'dark' : 'light', lang: 'en-GB', tz: 'Europe/London', pageSize: 25 },
    cart: Array.from({ length: 5 }, (_, j) => ({
      sku: `SKU-${hex(4)}`,
      qty: 1 + ((i + j) % 4),
      price: 999 + j * 250,
      title: `Product title number ${j} for a typical cart line`,
    })),
    flash: { info: ['Your changes have been saved.'] },
    visits: i % 50,
  };
}

export function makeSessions(seed = 3) {
  const rnd = mulberry32(seed);
  return Array.from({ length: KEY_COUNT }, (_, i) => makeSession(rnd, i));
}

/** A fixed random access order, so no RNG runs inside the timed loops. */
export function makeAccessOrder(seed, length = 1 << 16) {
  const rnd = mulberry32(seed);
  return Uint32Array.from({ length }, () => Math.floor(rnd() * KEY_COUNT));
}
