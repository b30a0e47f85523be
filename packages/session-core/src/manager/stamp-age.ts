/**
 * How old a stored stamp (`touched`, `cookieAt`) is at `now`. Wall clocks jump (an NTP step, a
 * VM resumed from suspend): after a step back every stamp is in the future, and read as
 * `now - stamp` it stays young until the clock catches up, hours or days later, holding back
 * every throttle that long. A stamp a little ahead is also what another host sharing the store
 * writes when its clock runs ahead, though: read as old, two hosts a touchAfter apart each
 * rewrote the other's stamp, a touch and a Set-Cookie on every request. So a stamp less than
 * `aheadLimit` ahead stays young (a negative age), and one farther ahead is old.
 */
export function stampAge(now: number, stamp: number, aheadLimit: number): number {
  const age = now - stamp;
  return age > -aheadLimit ? age : Number.POSITIVE_INFINITY;
}
