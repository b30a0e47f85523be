import type { IncomingMessage, ServerResponse } from 'node:http';

/** What `req.session` holds for a request: the RequestSession, or a value code assigned. */
export type Holder = { value: unknown };

// Where each request's holder lives. Express re-prototypes every request, and V8 then builds
// a new hidden class for each own property added to it: a symbol property on the request cost
// ~8 µs of CPU per request in bench:http's app, a WeakMap more (the collector's work on weak
// keys). So a request in flight is a key of this Map, and when its response ends the holder
// moves into `res.locals` (a dictionary object Express makes per request: no new class), where
// code reading `req.session` afterwards (a 'finish' listener, say) still finds it.
const STATE = Symbol('@fastmmap/express request session');
const inFlight = new Map<IncomingMessage, Holder>();

type WithState = { [STATE]?: Holder };
/** Set once a holder was stored on a request itself: until then a lookup skips that miss. */
let onRequests = false;
/** Requests added since the last sweep, and how many make the next one due (see sweep). */
let added = 0;
let sweepAfter = 256;

/**
 * `res.locals` of the request's response: `res` when the caller has it (reading `req.res` on a
 * request, whose hidden class is new, costs V8 a property lookup it would not make otherwise).
 */
function localsOf(req: IncomingMessage, res?: ServerResponse): WithState | undefined {
  const response = res ?? (req as { res?: ServerResponse }).res;
  const locals = (response as { locals?: unknown } | undefined)?.locals;
  return typeof locals === 'object' && locals !== null ? (locals as WithState) : undefined;
}

/** The holder of `req` (whose response is `res`, if the caller knows it), wherever it lives now. */
export function holderOf(req: IncomingMessage, res?: ServerResponse): Holder | undefined {
  const holder = inFlight.get(req) ?? localsOf(req, res)?.[STATE];
  if (holder !== undefined || !onRequests) return holder;
  return (req as WithState)[STATE];
}

/** Stores the holder on the request itself (outside Express, or a request without session()). */
export function holdOnRequest(req: IncomingMessage, holder: Holder): void {
  onRequests = true;
  (req as WithState)[STATE] = holder;
}

/** Keeps the holder of an Express request (one with `res.locals`) until its response ends. */
export function holdInFlight(req: IncomingMessage, res: ServerResponse, holder: Holder): void {
  if (localsOf(req, res) === undefined) {
    holdOnRequest(req, holder);
    return;
  }
  inFlight.set(req, holder);
  if (++added >= sweepAfter) sweep();
}

/** The response `res` of `req` has ended: the holder leaves the Map for `res.locals`. */
export function settle(req: IncomingMessage, res?: ServerResponse): void {
  const holder = inFlight.get(req);
  if (holder === undefined) return;
  inFlight.delete(req);
  const locals = localsOf(req, res);
  // Not enumerable: res.render() spreads res.locals into the template's options.
  if (locals !== undefined) Object.defineProperty(locals, STATE, { value: holder, writable: true });
  else holdOnRequest(req, holder);
}

/**
 * Settles requests whose response ended without our end() (an app that called Node's directly)
 * or never will (the client went away first), so the Map holds only requests in flight. The
 * next sweep waits for as many new requests as are left in flight (long polls, streams): the
 * cost per request stays constant.
 */
export function sweep(): void {
  for (const req of inFlight.keys()) {
    const res = (req as { res?: ServerResponse }).res;
    if (res === undefined || res.writableEnded || res.destroyed) settle(req, res);
  }
  added = 0;
  sweepAfter = Math.max(256, inFlight.size);
}

/** For tests: how many requests the Map holds. */
export const inFlightCount = (): number => inFlight.size;
