import type { RedisClientLike } from './client.js';

/**
 * Cuts and remakes the store's own connection once it has gone quiet, which node-redis never
 * does by itself: open and ready, commands timing out, and no reply heard for `silenceMs` (a
 * hung proxy or load balancer, a path that drops packets without a reset: TCP would keep it
 * for minutes to hours); or open but not ready for `silenceMs` (a handshake nobody answers,
 * as after a reconnect into such a hang: node-redis's connectTimeout covers the TCP connect
 * only). The window is long next to a command's deadline: a Redis merely stalled (a fork, a
 * long script) answers within it, and the commands in flight then succeed.
 */
export class ConnectionWatchdog {
  #lastHeard = Date.now();
  /** When the first command unanswered since the last reply was sent (about). */
  #unansweredSince: number | undefined;
  #notReadySince: number | undefined;

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

  ready(): void {
    this.heard();
    this.#notReadySince = undefined;
  }

  /** A command failed without a reply: sent and unanswered, or never sent (not ready). */
  unanswered(): void {
    const now = Date.now();
    if (this.client.isReady) {
      // Silence is counted while something waits for an answer: an idle connection is not
      // silent, so the first command to time out after an hour of quiet starts the count.
      this.#unansweredSince ??= now - this.commandTimeoutMs;
      if (now - Math.max(this.#lastHeard, this.#unansweredSince) >= this.silenceMs) this.#cut();
      return;
    }
    if (!this.client.isOpen) return; // closed: nothing to cut
    this.#notReadySince ??= now;
    if (now - this.#notReadySince >= this.silenceMs) this.#cut();
  }

  #cut(): void {
    this.ready();
    this.client.destroy(); // what is still pending on it fails: an unknown outcome, as on a reset
    this.reconnect();
  }
}
