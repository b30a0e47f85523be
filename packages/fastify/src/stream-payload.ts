type Emitter = {
  on(event: 'error', fn: () => void): unknown;
  off(event: 'error', fn: () => void): unknown;
};

const ignore = (): void => {};

/** A payload Fastify pipes (it tells them by `pipe`), with the emitter methods to listen on it. */
function isStreamPayload(payload: unknown): payload is Emitter {
  const value = payload as Partial<Record<'pipe' | 'on' | 'off', unknown>> | null;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof value.pipe === 'function' &&
    typeof value.on === 'function' &&
    typeof value.off === 'function'
  );
}

/**
 * Listens for a stream payload's 'error' until `pending` (an asynchronous commit) settles.
 * Fastify listens to the stream only once onSend is done: a stream that fails meanwhile (a
 * missing file, a broken upstream) would emit 'error' with no listener and end the process.
 * The error is not lost: Fastify finds the stream failed when it sends it, and answers 500.
 * Call it before adding the handlers that send, so that the listener is gone first.
 */
export function guardStreamPayload(payload: unknown, pending: Promise<unknown>): void {
  if (!isStreamPayload(payload)) return;
  payload.on('error', ignore);
  const stop = () => payload.off('error', ignore);
  pending.then(stop, stop);
}
