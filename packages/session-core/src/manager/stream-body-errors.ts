/** The emitter side of a stream body: enough to listen for its 'error' and stop. */
interface ErrorEmitter {
  on(event: 'error', listener: () => void): unknown;
  off(event: 'error', listener: () => void): unknown;
}

const ignore = (): void => {};

/**
 * A body the framework pipes (Koa and Fastify tell them by `pipe`): a Node stream, or one of
 * readable-stream's, which is no node:stream instance. A web ReadableStream is none: it has no
 * 'error' event, so nothing ends the process when it fails unread.
 */
function isPipedStream(body: unknown): body is ErrorEmitter {
  const value = body as Partial<Record<'pipe' | 'on' | 'off', unknown>> | null;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof value.pipe === 'function' &&
    typeof value.on === 'function' &&
    typeof value.off === 'function'
  );
}

/**
 * Listens for a stream body's 'error' until `pending` (an asynchronous commit) settles. Koa
 * and Fastify listen to the stream only once the session's hook is done: a stream that fails
 * meanwhile (a missing file, a broken upstream) would emit 'error' with no listener and end
 * the process. The error is not lost: the framework finds the stream failed when it pipes it.
 * The listener goes before anything that awaits `pending` runs. Anything else is left alone.
 */
export function guardStreamBody(body: unknown, pending: Promise<unknown>): void {
  if (!isPipedStream(body)) return;
  body.on('error', ignore);
  const stop = () => body.off('error', ignore);
  pending.then(stop, stop);
}
