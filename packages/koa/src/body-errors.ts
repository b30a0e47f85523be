import { Stream } from 'node:stream';
import type { Context } from 'koa';

type Emitter = Pick<Stream, 'on' | 'off'>;

const ignore = (): void => {};

/** A body Koa pipes: a Node stream, or one of readable-stream's (not a node:stream instance). */
function isStreamBody(body: unknown): body is Emitter {
  if (body instanceof Stream) return true;
  const value = body as Partial<Stream> | null;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof value.pipe === 'function' &&
    typeof value.on === 'function' &&
    typeof value.off === 'function'
  );
}

/**
 * Waits for `pending` (an asynchronous commit) with an 'error' listener on a stream body. Koa 3
 * listens to the body only once it pipes it, after the middleware settles: a stream that fails
 * meanwhile (a missing file, a broken upstream) would emit 'error' with no listener and end
 * the process. The error is not lost: Koa's pipe sees the failed stream and reports it.
 */
export async function awaitGuardingBody<T>(ctx: Context, pending: Promise<T>): Promise<T> {
  const body: unknown = ctx.body;
  if (!isStreamBody(body)) return pending;
  body.on('error', ignore);
  try {
    return await pending;
  } finally {
    body.off('error', ignore);
  }
}
