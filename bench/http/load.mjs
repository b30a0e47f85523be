// bench:http's load generator: one keep-alive HTTP/1.1 socket per session cookie, requests
// sent one after another on each socket, latencies in one histogram. One event loop serves
// every socket, so one wake-up handles all the responses that arrived meanwhile: on 2 shared
// cores it leaves the servers more CPU than wrk's one thread per connection (see wrk-load.mjs).
// (autocannon resets its per-connection context on every loop, so it cannot pin one cookie
// to one connection.)
import { connect } from 'node:net';
import { createHistogram } from 'node:perf_hooks';

function runConnection(port, path, cookie, requests, histogram) {
  return new Promise((resolve, reject) => {
    const request = Buffer.from(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${cookie ? `Cookie: ${cookie}\r\n` : ''}\r\n`,
      'latin1',
    );
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    let sent = 0;
    let ok = 0;
    let failed = 0;
    let startedAt = 0n;
    const send = () => {
      sent++;
      startedAt = process.hrtime.bigint();
      socket.write(request);
    };
    socket.on('connect', send);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      for (;;) {
        const headEnd = buffered.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = buffered.toString('latin1', 0, headEnd);
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (!length) return reject(new Error(`response without content-length:\n${head}`));
        const end = headEnd + 4 + Number(length[1]);
        if (buffered.length < end) return;
        histogram.record(Math.max(1, Number(process.hrtime.bigint() - startedAt)));
        if (head.startsWith('HTTP/1.1 200')) ok++;
        else failed++;
        buffered = buffered.subarray(end);
        if (sent < requests) send();
        else {
          socket.end();
          return resolve({ ok, failed });
        }
      }
    });
  });
}

/** `requests` requests on each of `cookies.length` connections; returns throughput and p99. */
export async function runLoad({ port, path, cookies, requests }) {
  const histogram = createHistogram();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const perConnection = await Promise.all(
    cookies.map((cookie) => runConnection(port, path, cookie, requests, histogram)),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const ok = perConnection.reduce((n, c) => n + c.ok, 0);
  const failed = perConnection.reduce((n, c) => n + c.failed, 0);
  return {
    // This process does nothing else meanwhile: its CPU is the load generator's.
    loaderCpuMs: (cpu.user + cpu.system) / 1000,
    perConnection,
    ok,
    failed,
    seconds,
    rps: (ok + failed) / seconds,
    p50: histogram.percentile(50) / 1e6,
    p99: histogram.percentile(99) / 1e6,
  };
}
