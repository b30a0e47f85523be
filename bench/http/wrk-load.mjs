// bench:http's optional load through wrk (BENCH_LOADER=wrk). A wrk thread's Lua state cannot
// tell its connections apart, so each connection keeps its own session cookie only with one
// thread per connection: 32 threads that each sleep and wake once per response, which on a
// 2-core machine costs more of the shared cores per request than the Node client (load.mjs).
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';

const script = join(import.meta.dirname, 'pinned-cookies.lua');

/** Whether a wrk binary is on PATH. */
export function wrkAvailable() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    // wrk --version prints its banner and exits 1: found. ENOENT: not installed.
    return err.code !== 'ENOENT';
  }
}

// The shell's `times` prints its own CPU time, then its children's (wrk's): "0m1.234s 0m0.567s".
const TIMES = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/;
const withTimes = 'wrk "$@"; code=$?; times; exit $code';

/** wrk's user + system CPU in ms, from the last line of `times`. */
function childCpuMs(stdout) {
  const match = stdout.trim().split('\n').at(-1)?.match(TIMES);
  if (!match) return Number.NaN;
  const [, um, us, sm, ss] = match.map(Number);
  return ((um ?? 0) * 60 + (us ?? 0) + (sm ?? 0) * 60 + (ss ?? 0)) * 1000;
}

/** Loads `path` for `seconds` over one connection per cookie ('' = no cookie). */
export function runWrk({ port, path, cookies, seconds }) {
  const n = String(cookies.length);
  const args = ['-t', n, '-c', n, '-d', `${seconds}s`, '--timeout', '10s', '-s', script];
  return new Promise((resolve, reject) => {
    execFile(
      'sh',
      ['-c', withTimes, 'wrk', ...args, `http://127.0.0.1:${port}${path}`],
      // "-" stands for "no cookie": the Lua split skips empty fields.
      { env: { ...process.env, COOKIES: cookies.map((c) => c || '-').join('|') } },
      (err, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('WRK_RESULT '));
        if (err || !line) return reject(new Error(`wrk failed: ${err?.message ?? ''}\n${stderr}`));
        const r = JSON.parse(line.slice('WRK_RESULT '.length));
        const ok = r.ok.reduce((a, b) => a + b, 0);
        const failed = r.failed.reduce((a, b) => a + b, 0) + r.socketErrors;
        resolve({
          loaderCpuMs: childCpuMs(stdout),
          perConnection: r.ok.map((okCount, i) => ({ ok: okCount, failed: r.failed[i] })),
          ok,
          failed,
          seconds: r.durationUs / 1e6,
          rps: (ok + failed) / (r.durationUs / 1e6),
          p50: r.p50Us / 1000,
          p99: r.p99Us / 1000,
        });
      },
    );
  });
}
