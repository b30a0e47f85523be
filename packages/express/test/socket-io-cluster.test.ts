// The README's claim that socket.io shares the session in a node:cluster "with
// @socket.io/sticky, or WebSocket only": its recipe in two real worker processes that share
// one FastMmapStore file (fixtures/socket-io-cluster-app.mjs), over HTTP on 127.0.0.1.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

// A broken integration leaves an event unanswered: each emit gives up after a second or two,
// and a test at 20 s, not the 60 s default. Not 5 s: a 2-worker cluster's test took longer than
// that on a loaded 2-core machine (the full suite beside other work).
vi.setConfig({ testTimeout: 20_000 });

const fixture = join(import.meta.dirname, 'fixtures', 'socket-io-cluster-app.mjs');
type Transports = ('polling' | 'websocket')[];
type Whoami = { pid: number; data: Record<string, unknown> };

const sockets: ClientSocket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

/** Starts the cluster; resolves with its URL and a stop function. */
async function startCluster(mode: 'sticky' | 'websocket') {
  const dir = mkdtempSync(join(tmpdir(), 'fastmmap-socket-io-cluster-'));
  const primary: ChildProcess = spawn(process.execPath, [fixture, join(dir, 'sessions'), mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = async () => {
    if (primary.exitCode === null && primary.signalCode === null) {
      const exited = new Promise((resolve) => primary.once('exit', resolve));
      primary.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const lines = createInterface({ input: primary.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    primary.once('exit', (code) => reject(new Error(`cluster exited early (${code})`)));
  });
  return { url: `http://127.0.0.1:${JSON.parse(first).port}`, stop, primary };
}

async function post(url: string, cookie?: string) {
  return fetch(url, { method: 'POST', ...(cookie === undefined ? {} : { headers: { cookie } }) });
}

/** A socket.io client, connected and (with polling first) upgraded to WebSocket. */
async function client(url: string, transports: Transports, cookie: string) {
  const socket = connect(url, { transports, reconnection: false, extraHeaders: { cookie } });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve).once('connect_error', reject);
  });
  const engine = socket.io.engine;
  if (engine.transport.name !== 'websocket') {
    await new Promise((resolve) => engine.once('upgrade', resolve));
  }
  return socket;
}

const ask = <T>(socket: ClientSocket, event: string, ...args: unknown[]): Promise<T> =>
  socket.timeout(2_000).emitWithAck(event, ...args);

const cases: [string, 'sticky' | 'websocket', Transports][] = [
  ['@socket.io/sticky, polling then WebSocket', 'sticky', ['polling', 'websocket']],
  ['@socket.io/sticky, WebSocket only', 'sticky', ['websocket']],
  ['the primary balancing connections, WebSocket only', 'websocket', ['websocket']],
];

describe.each(cases)('socket.io in a 2-worker cluster: %s', (_name, mode, transports) => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  beforeAll(async () => {
    cluster = await startCluster(mode);
  }, 15_000);
  afterAll(() => cluster?.stop());

  it("gives every worker's sockets the session a login on any worker stored", async () => {
    const { url, primary } = cluster;
    const login = await post(`${url}/login`);
    const cookie = login.headers.getSetCookie()[0]!.split(';', 1)[0]!;
    // One after another: least-connection counts a worker's sockets once they are open.
    const clients: ClientSocket[] = [];
    for (let i = 0; i < 4; i++) clients.push(await client(url, transports, cookie));
    const answers = await Promise.all(clients.map((socket) => ask<Whoami>(socket, 'whoami')));
    for (const { data } of answers) expect(data).toEqual({ user: 'ann' });
    const pids = new Set(answers.map(({ pid }) => pid));
    expect(pids.size).toBe(2); // both workers hold sockets
    expect(pids.has(primary.pid!)).toBe(false);
    // Each socket's save() is seen by the next socket's reload() and by HTTP, on any worker.
    for (const [i, socket] of clients.entries()) {
      expect(await ask(socket, 'mark', `m${i}`)).toBe('ann');
    }
    const me = await fetch(`${url}/me`, { headers: { cookie } });
    expect(await me.json()).toEqual({ user: 'ann', mark: 'm3' });
    // A logout on one worker ends the session for the sockets on both.
    await post(`${url}/logout`, cookie);
    for (const socket of clients) {
      const reason = new Promise((resolve) => socket.once('disconnect', resolve));
      socket.emit('mark', 'late');
      expect(await reason).toBe('io server disconnect');
    }
  });
});
