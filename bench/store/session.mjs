import { randomBytes } from 'node:crypto';

/** A session of about 1 KiB as JSON, shaped like a logged-in user's, express-session style. */
export function sampleSession(i) {
  return {
    cookie: {
      originalMaxAge: 86_400_000,
      expires: new Date(Date.now() + 86_400_000).toISOString(),
      httpOnly: true,
      path: '/',
    },
    user: {
      id: `user-${i}`,
      name: 'Ada Lovelace',
      email: `ada.${i}@example.com`,
      roles: ['reader', 'writer', 'reviewer'],
      locale: 'en-GB',
    },
    csrf: randomBytes(24).toString('base64url'),
    cart: Array.from({ length: 6 }, (_, k) => ({
      sku: `SKU-${1000 + k}`,
      qty: k + 1,
      price: 12.5 * (k + 1),
      title: `Item number ${k} with a descriptive title`,
    })),
    prefs: { theme: 'dark', pageSize: 50, newsletter: false, tz: 'Europe/London' },
    history: Array.from({ length: 8 }, (_, k) => `/products/${k * 37}/reviews?page=${k}`),
    counter: 0,
  };
}

export function sessionIds(prefix, count) {
  return Array.from(
    { length: count },
    (_, i) => `${prefix}${randomBytes(24).toString('base64url')}${i}`,
  );
}
