export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** Merges the workers' results: ops/s over the slowest worker's wall time, pooled percentiles. */
export function summarize(results) {
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const elapsedNs = Math.max(...results.map((r) => r.elapsedNs));
  return {
    opsPerSec: (latencies.length / elapsedNs) * 1e9,
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
