export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** One round of one configuration: all its workers' calls over the slowest worker's time. */
export function roundOpsPerSec(results) {
  const calls = results.reduce((n, r) => n + r.latencies.length, 0);
  return (calls / Math.max(...results.map((r) => r.elapsedNs))) * 1e9;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Rounds merged: the median round's ops/s (robust to a noisy neighbour), pooled percentiles. */
export function summarize(rounds) {
  const latencies = rounds.flatMap((round) => round.latencies).sort((a, b) => a - b);
  return {
    opsPerSec: median(rounds.map((round) => round.opsPerSec)),
    p50us: percentile(latencies, 50) / 1000,
    p99us: percentile(latencies, 99) / 1000,
  };
}

export function fmtOps(n) {
  return n >= 1e6
    ? `${(n / 1e6).toFixed(2)} M`
    : n >= 1e3
      ? `${(n / 1e3).toFixed(1)} k`
      : n.toFixed(0);
}

export function fmtUs(n) {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}
