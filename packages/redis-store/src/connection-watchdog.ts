import type { RedisClientLike } from './client.js';

/**
 * Cuts and remakes the store's own connection once it has gone quiet, which node-redis never
 * does by itself: ready, commands timing out, and no reply heard for `silenceMs` (a hung proxy
 * or load balancer, a path that drops packets without a reset: TCP would keep it for minutes
 * to hours). The window is long next to a command's deadline: a Redis merely stalled (a fork,
 * a long script) answers within it, and the commands in flight then succeed.
 *
 * Only a ready connection is cut: node-redis then runs no reconnect loop of its own. One that
 * is not ready (reconnecting, or a handshake nobody answers) is left to node-redis: cutting it
 * would start a second loop beside the first, and both would go on for good.
 */
export class ConnectionWatchdog {
  #lastHeard = Date.now();
  /** When the first command unanswered since the last reply was sent (about). */
  #unansweredSince: number | undefined;

  constructor(
    private readonly client: RedisClientLike,
    private readonly silenceMs: number,
    private readonly commandTimeoutMs: number,
    private readonly reconnect: () => void,
  ) {}

  /** A reply came (in time or late, a value or an error reply): the connection works. */
  readonly heard = (): void => {
    this.#lastHeard = Date.now();
    this.#unansweredSince = undefined;
  };

  /** A command sent on a ready connection got no reply by its deadline. */
  unanswered(): void {
    if (!this.client.isReady) return;
    const now = Date.now();
    // Silence is counted while something waits for an answer: an idle connection is not
    // silent, so the first command to time out after an hour of quiet starts the count.
    this.#unansweredSince ??= now - this.commandTimeoutMs;
    if (now - Math.max(this.#lastHeard, this.#unansweredSince) < this.silenceMs) return;
    this.heard();
    this.client.destroy(); // what is still pending on it fails: an unknown outcome, as on a reset
    this.reconnect();
  }
}
