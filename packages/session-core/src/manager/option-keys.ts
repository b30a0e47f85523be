import { unknownKeyLines } from '../cache/unknown-keys.js';
import { SessionError } from '../errors.js';
import type { CookieOptions, SessionManagerOptions } from './types.js';

// Every key of the option types. `satisfies` keeps them in step with the interfaces: an option
// added there and not here fails the build rather than being refused at run time.
export const OPTION_KEYS = Object.keys({
  secret: 0,
  name: 0,
  cookie: 0,
  ttl: 0,
  absoluteTimeout: 0,
  rolling: 0,
  touchAfter: 0,
  tombstoneTtl: 0,
  saveUninitialized: 0,
  genid: 0,
  store: 0,
  clock: 0,
} satisfies Record<keyof SessionManagerOptions, 0>);

const COOKIE_KEYS = Object.keys({
  path: 0,
  domain: 0,
  secure: 0,
  httpOnly: 0,
  sameSite: 0,
  partitioned: 0,
  priority: 0,
  maxAge: 0,
} satisfies Record<keyof CookieOptions, 0>);

const KNOWN = new Set(OPTION_KEYS);
const KNOWN_COOKIE = new Set(COOKIE_KEYS);

const LIFETIME =
  "use cookie.maxAge (the cookie's lifetime, and the server-side one unless ttl is set), in ms";
const PROXY =
  "not needed: the framework's own setting decides Secure (Express 'trust proxy', Koa " +
  'app.proxy, Fastify trustProxy; only the Hono adapter takes trustProxy)';
// Top-level in koa-session, inside `cookie` here.
const COOKIE_ATTRIBUTES = ['httpOnly', 'secure', 'sameSite', 'domain', 'partitioned', 'priority'];
const FASTMMAP_STORE_OPTIONS = ['storage', 'appName', 'cacheSize', 'numPages', 'pageSize'];

// Names the peer libraries (express-session, koa-session, @fastify/session, hono-sessions) and
// our stores use, with what to write here instead. Anything else gets the list of options.
const HINTS = new Map<string, string>([
  ['key', 'use name (the cookie name)'],
  ['cookieName', 'use name (the cookie name)'],
  ['sessionCookieName', 'use name (the cookie name)'],
  ['maxAge', LIFETIME],
  ['expires', LIFETIME],
  ['expireAfterSeconds', 'use ttl, in ms (seconds * 1000)'],
  ['cookieOptions', 'use cookie (its maxAge is in ms, not seconds)'],
  ...COOKIE_ATTRIBUTES.map((key) => [key, `use cookie.${key}`] as const),
  ['path', 'use cookie.path (the cache file is a store option: new FastMmapStore({ storage }))'],
  ['encryptionKey', 'use secret (it signs the id; the data never leaves the server)'],
  ['secrets', 'use secret (a string, or an array to rotate)'],
  ['idGenerator', 'use genid'],
  ['signed', 'not needed: the cookie is always signed with secret'],
  ['renew', 'use rolling or touchAfter (the expiry of a session in use moves forward)'],
  ['autoExtendExpiration', 'not needed: the expiry of a session in use moves forward'],
  ['autoCommit', 'not needed: the session is committed with every response'],
  ['resave', 'not needed: only what changed is written; an unchanged session is just touched'],
  [
    'unset',
    'not needed: call session.destroy() to delete a session (assigning null to req.session, ctx.session or request.session destroys it too)',
  ],
  ['overwrite', 'not needed: the session cookie always replaces an earlier one'],
  ['encode', 'not needed: the cookie carries only a signed id; the data stays on the server'],
  ['decode', 'not needed: the cookie carries only a signed id; the data stays on the server'],
  ['proxy', PROXY],
  ['trustProxy', PROXY],
  ...FASTMMAP_STORE_OPTIONS.map(
    (key) => [key, `a store option: store: new FastMmapStore({ ${key} })`] as const,
  ),
  ['url', 'a store option: store: new RedisStore({ url }) from @fastmmap/redis-store'],
]);

const COOKIE_HINTS = new Map<string, string>([
  ['expires', 'use cookie.maxAge (ms from now), or null for a browser-session cookie'],
  ['signed', 'not needed: the cookie is always signed with secret'],
]);

/**
 * Refuses keys that are not options (a peer library's name, a typo): left alone they would be
 * ignored, and a cookie asked to be Secure or Strict would silently not be. Own enumerable
 * keys only; a key whose value is undefined counts too, as it is still a misspelled option.
 * `adapterKeys`: an adapter's own options (already taken out), named in the list of options.
 */
export function assertKnownOptionKeys(options: object, adapterKeys: readonly string[] = []): void {
  const lines = unknownKeyLines(options, KNOWN, HINTS, 'not an option');
  const cookie: unknown = (options as SessionManagerOptions).cookie;
  if (typeof cookie === 'object' && cookie !== null) {
    lines.push(
      ...unknownKeyLines(cookie, KNOWN_COOKIE, COOKIE_HINTS, 'not a cookie option', 'cookie.'),
    );
  }
  if (lines.length === 0) return;
  throw new SessionError(
    'ERR_SESSION_OPTIONS',
    `unknown options (refused rather than ignored):\n${lines.join('\n')}\n` +
      `options are ${[...OPTION_KEYS, ...adapterKeys].join(', ')}; cookie options are ${COOKIE_KEYS.join(', ')}`,
  );
}
