import { type RedisClientLike, sendWithDeadline } from './client.js';

/**
 * Closes a client within about `timeoutMs`, whatever Redis does; never rejects.
 *
 * node-redis's `close()` waits for every pending reply with no limit (a hung Redis hangs it
 * for good), and once it has been called `destroy()` throws instead of cutting the socket. So
 * `close()` is never called here. Instead a PING waits, at most `timeoutMs`, behind whatever is
 * pending: replies come in order, so its answer means every command sent before it has been
 * answered. Then, answered or not, `destroy()` cuts the connection; after the answer that is
 * exactly what `close()` would do (nothing left to wait for), and without it the commands still
 * pending are rejected rather than waited for.
 */
export async function closeWithin(client: RedisClientLike, timeoutMs: number): Promise<void> {
  if (!client.isOpen) return;
  // Only a ready connection has replies to wait for: one still (re)connecting is cut at once.
  if (client.isReady) {
    await sendWithDeadline(client, ['PING'], timeoutMs).catch(() => undefined);
  }
  try {
    if (client.isOpen) client.destroy();
  } catch {
    // Closed meanwhile by someone else (a client given to the store): nothing left to cut.
  }
}
