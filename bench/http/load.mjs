// bench:http's load generator: one keep-alive HTTP/1.1 socket per session cookie, requests
// sent one after another on each socket, latencies in one histogram. One event loop serves
// every socket, so one wake-up handles all the responses that arrived meanwhile: on 2 shared
// cores it leaves the servers more CPU than wrk's one thread per connection (see wrk-load.mjs).
// (autocannon resets its per-connection context on every loop, so it cannot pin one cookie
// to one connection.) With a `rate`, requests go out on a fixed schedule instead (an open
// loop, as wrk2 does): when they are sent no longer depends on when the answers came back.
import { connect } from 'node:net';
import { createHistogram } from 'node:perf_hooks';

/**
 * One connection's requests. Closed loop (no `schedule`): each is sent when the previous one is
 * answered. Open loop: request k is due at `schedule.dueAt(k)` (ms, performance.now()); one
 * due while the previous is unanswered goes out with that answer, and its latency counts from
 * when it was due (no coordinated omission).
 */
function runConnection(port, path, cookie, requests, histogram, schedule) {
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
    let startedAt = 0;
    let busy = false;
    let connected = false;
    const send = () => {
      startedAt = schedule ? schedule.dueAt(sent) : performance.now();
      sent++;
      busy = true;
      socket.write(request);
    };
    // Open loop: the scheduler's tick, and each answer, send what is due by now.
    const sendIfDue = () => {
      if (connected && !busy && sent < requests && schedule.dueAt(sent) <= performance.now())
        send();
    };
    if (schedule) schedule.connections.push({ sendIfDue });
    socket.on('connect', () => {
      connected = true;
      if (schedule) sendIfDue();
      else send();
    });
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
        histogram.record(Math.max(1, Math.round((performance.now() - startedAt) * 1e6)));
        busy = false;
        if (head.startsWith('HTTP/1.1 200')) ok++;
        else failed++;
        buffered = buffered.subarray(end);
        if (sent < requests) {
          if (schedule) sendIfDue();
          else send();
        } else {
          socket.end();
          return resolve({ ok, failed });
        }
      }
    });
  });
}

/**
 * A fixed schedule of `rate` requests per second in all, spread evenly over `count`
 * connections and offset between them, and a 1 ms tick that sends what is due. (Node's timers
 * tick no finer, so a few requests due in the same millisecond leave together.)
 */
function openLoop(rate, count) {
  const start = performance.now() + 5;
  const schedule = {
    connections: [],
    // A schedule per connection, not shared, so a slow answer on one delays no other.
    dueAtOf: (i) => (k) => start + ((k * count + i) * 1000) / rate,
  };
  const timer = setInterval(() => {
    for (const c of schedule.connections) c.sendIfDue();
  }, 1);
  return { schedule, stop: () => clearInterval(timer) };
}

/**
 * `requests` requests on each of `cookies.length` connections; returns throughput and p99.
 * With `rate` (requests per second in all), an open loop at that rate.
 */
export async function runLoad({ port, path, cookies, requests, rate }) {
  const histogram = createHistogram();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const open = rate ? openLoop(rate, cookies.length) : undefined;
  const perConnection = await Promise.all(
    cookies.map((cookie, i) =>
      runConnection(
        port,
        path,
        cookie,
        requests,
        histogram,
        open && { connections: open.schedule.connections, dueAt: open.schedule.dueAtOf(i) },
      ),
    ),
  ).finally(() => open?.stop());
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
