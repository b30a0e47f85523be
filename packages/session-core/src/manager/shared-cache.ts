import { markCookieless } from './adapter-cookie-plan.js';
import { commitNow, ManagedSession } from './session.js';
import type { Session } from './types.js';

/**
 * Whether a response's Cache-Control lets a shared cache (a CDN, a caching proxy) store it:
 * `public` or `s-maxage`, with no `private` or `no-store`. Such a cache may hand a stored
 * Set-Cookie to every later visitor (Set-Cookie does not stop HTTP caching).
 */
export function sharedCacheable(cacheControl: unknown): boolean {
  const value = Array.isArray(cacheControl) ? cacheControl.join(',') : cacheControl;
  if (typeof value !== 'string') return false;
  const directives = value
    .toLowerCase()
    .split(',')
    .map((part) => part.split('=', 1)[0]!.trim());
  if (directives.includes('private') || directives.includes('no-store')) return false;
  return directives.includes('public') || directives.includes('s-maxage');
}

const itself = (session: Session<object>) => session;

/**
 * The commit of a response with the given Cache-Control. On one a shared cache may store (a
 * static asset served after session(): `express.static`'s `maxAge`, `@fastify/static`'s
 * default `public, max-age=0`), a cookie that would only renew the id the client holds (a
 * refresh due under `touchAfter`, `rolling`, a re-signed cookie) is left due for the next
 * response: the cache would give that logged-in id to everyone. express-session and
 * koa-session send no cookie for an unchanged session there. A new or regenerated id, a
 * lifetime set here and a clearing cookie still go: the app asked for those on that response.
 * `loadedOf` gives the session from manager.load() when `session` is an adapter's view of it
 * (a Proxy, whose commit maps errors): the view is committed, the loaded one decides. Asked
 * only for a shared-cacheable response, so the usual one pays nothing for it.
 */
export function commitForCache(
  session: Session<object>,
  cacheControl: unknown,
  loadedOf: (view: Session<object>) => Session<object> = itself,
): string[] | Promise<string[]> {
  if (sharedCacheable(cacheControl)) {
    const loaded = loadedOf(session);
    if (ManagedSession.refreshOnly(loaded)) markCookieless(loaded);
  }
  return commitNow(session);
}
