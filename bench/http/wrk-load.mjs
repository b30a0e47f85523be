// The load of bench:http through wrk (C, epoll): on a 2-core machine the client shares the
// cores with the servers, and wrk takes far less of them per request than a Node client.
// One wrk thread per connection, so each connection keeps its own session cookie.
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

/** Loads `path` for `seconds` over one connection per cookie ('' = no cookie). */
export function runWrk({ port, path, cookies, seconds }) {
  const n = String(cookies.length);
  const args = ['-t', n, '-c', n, '-d', `${seconds}s`, '--timeout', '10s', '-s', script];
  return new Promise((resolve, reject) => {
    execFile(
      'wrk',
      [...args, `http://127.0.0.1:${port}${path}`],
      // "-" stands for "no cookie": the Lua split skips empty fields.
      { env: { ...process.env, COOKIES: cookies.map((c) => c || '-').join('|') } },
      (err, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('WRK_RESULT '));
        if (err || !line) return reject(new Error(`wrk failed: ${err?.message ?? ''}\n${stderr}`));
        const r = JSON.parse(line.slice('WRK_RESULT '.length));
        const ok = r.ok.reduce((a, b) => a + b, 0);
        const failed = r.failed.reduce((a, b) => a + b, 0) + r.socketErrors;
        resolve({
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
