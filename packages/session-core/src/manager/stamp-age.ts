/**
 * How far a stored stamp (`touched`, `cookieAt`) lies from `now`, either way. Wall clocks jump
 * (an NTP step, a VM resumed from suspend): after a step back, every stamp is in the future
 * and `now - stamp` stays negative until the clock catches up, hours or days later. Throttles
 * that read it as an age held back every touch and cookie refresh that long, and browsers
 * dropped the cookies of sessions in use. Read as a distance, a stamp farther ahead than the
 * throttle counts as old: one touch rewrites it on the new clock. Clocks a little apart (other
 * hosts sharing a store) stay within the throttle and change nothing.
 */
export function stampAge(now: number, stamp: number): number {
  return Math.abs(now - stamp);
}
