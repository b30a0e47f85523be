import { assignmentDestroys } from '@fastmmap/session-core/adapter';
import type { FastifyRequest } from 'fastify';

// `request.session` is an accessor over these two decorated slots: a Fastify request is born
// with every decorated value, so setting them costs no new hidden class.
/** The request's session view (null until onRequest loads it). */
export const SESSION = Symbol('@fastmmap/fastify session view');
/** The destroy `request.session = null` started: onSend waits for it and fails with it. */
export const DESTROYING = Symbol('@fastmmap/fastify pending destroy');
/** Set once onSend has started the commit: nothing waits for a later destroy. */
export const CLOSED = 'closed';

// Undefined rather than null on requests of a context registered before the plugin: Fastify
// gives those only the decorated values it had then (the accessor it finds on the prototype).
export interface Slots {
  [SESSION]?: FastifyRequest['session'] | null;
  [DESTROYING]?: Promise<void> | typeof CLOSED | null;
}
export const slots = (request: FastifyRequest): Slots => request as unknown as Slots;

const noop = (): void => {};

/**
 * `request.session = value`. null or undefined logs out, as `ctx.session = null` does in Koa
 * and `req.session = null` in Express: onSend used to skip the commit of a request whose
 * session was null, which kept the user logged in. Anything else would never be stored, so it
 * throws.
 */
export function assignSession(request: FastifyRequest, value: unknown): void {
  const state = slots(request);
  const current = state[SESSION];
  if (current == null) {
    // Before onRequest loaded one (an earlier hook): a plain value, which onRequest replaces.
    state[SESSION] = value as FastifyRequest['session'];
    return;
  }
  if (!assignmentDestroys(current, value, 'request.session')) return;
  const destroying = current.destroy();
  if (state[DESTROYING] === CLOSED) {
    // After the commit started (an onResponse hook): the tombstone still ends the session,
    // but no reply waits for it.
    destroying.catch((err: unknown) =>
      request.log.error({ err }, '@fastmmap/fastify: destroying the session failed'),
    );
    return;
  }
  destroying.catch(noop);
  state[DESTROYING] = destroying;
}
