import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';

let server: import('node:http').Server;
let close: () => Promise<void>;
let url: string;

beforeAll(async () => {
  const created = createApp({ secret: 'metrics-test-secret-metrics-test-secret-42' });
  close = created.close;
  server = created.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await close();
});

describe('examples/express /metrics', () => {
  it('serves the session cache counters in the Prometheus text format', async () => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; .*version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE fastmmap_hits_total counter$/m);
    expect(text).toMatch(/^fastmmap_pages \d+$/m);
    expect(text).toMatch(/^fastmmap_cache_info\{path="[^"]+\.fmcache",.*\} 1$/m);
    expect(text).toMatch(/^# TYPE fastmmap_session_failures_total counter$/m);
    expect(text).toMatch(
      /^fastmmap_session_failures_total\{operation="load",code="ERR_SESSION_STORE_UNAVAILABLE"\} 0$/m,
    );
  });
});
