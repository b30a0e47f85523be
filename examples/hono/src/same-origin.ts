const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * True when a request that can change state comes from another site: it gets a 403.
 * No Origin header is allowed: curl and other non-browser clients send none, and browsers
 * always send one on a cross-site POST. `Origin: null` (sandboxed iframes, some redirects)
 * names no site we could trust, so it counts as foreign.
 */
export function isCrossOriginWrite(
  method: string,
  origin: string | undefined,
  host: string | undefined,
): boolean {
  if (SAFE_METHODS.has(method) || origin === undefined) return false;
  return !URL.canParse(origin) || new URL(origin).host !== host;
}
