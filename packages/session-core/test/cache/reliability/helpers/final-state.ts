// Checks a cache's final contents against the acknowledgement logs (fixtures/shared/history.mjs).
import { readAckLines } from '../fixtures/shared/ack-log.mjs';
import { createHistory } from '../fixtures/shared/history.mjs';

export type History = ReturnType<typeof createHistory>;

/** Replays every slot's log, in slot order (keys never span slots except the counters). */
export function historyFromLogs(logs: readonly string[]): History {
  const history = createHistory();
  logs.forEach((log, slot) => {
    for (const f of readAckLines(log)) history.apply(slot, f);
  });
  return history;
}

/** What one key holds at the end: its seq, null for a miss, or why the value is invalid. */
export type FinalValue = number | null | string;

/**
 * A key written by one writer must hold its last acknowledged seq, except that a killed write
 * to it after that ack may have landed (its seq) or, at worst, left it missing.
 */
export function checkOwnKey(history: History, key: string, got: FinalValue): string | undefined {
  if (typeof got === 'string') return `${key}: ${got}`;
  const acked = history.acked(key);
  const killed: number[] = history.killedSinceAck(key);
  if (got === (acked < 0 ? null : acked)) return undefined;
  if (got !== null && killed.includes(got)) return undefined;
  if (got === null && killed.length > 0) return undefined;
  return `${key}: holds ${got === null ? 'nothing' : `seq ${got}`}, last acknowledged seq ${acked}, killed writes since: [${killed.join(',')}]`;
}

/**
 * A counter incremented with getAndSet by many writers: every acknowledged increment is in it,
 * and at most one more per killed increment.
 */
export function checkCounter(history: History, key: string, got: FinalValue): string | undefined {
  if (typeof got === 'string') return `${key}: ${got}`;
  const value = got ?? 0;
  const low = Math.max(history.ackCount(key), history.acked(key));
  const high = history.ackCount(key) + history.killedEver(key);
  if (value >= low && value <= high) return undefined;
  return `${key}: counter is ${value}, expected ${low}..${high} (${history.ackCount(key)} acknowledged increments, ${history.killedEver(key)} killed)`;
}
