import { request } from 'node:http';

// A fresh connection per request (no keep-alive): the primary hands each one to the next
// worker, so the requests of this one client land on different processes.
function get(url, cookie) {
  return new Promise((resolve, reject) => {
    const headers = cookie ? { cookie } : {};
    request(url, { agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${body}`));
        else resolve({ json: JSON.parse(body), setCookie: res.headers['set-cookie'] });
      });
    })
      .on('error', reject)
      .end();
  });
}

/** Makes `count` requests with one cookie; returns true when the shared counter is exact. */
export async function selfTest(baseUrl, count) {
  let cookie;
  const workers = new Set();
  let ok = true;
  for (let i = 1; i <= count; i++) {
    const { json, setCookie } = await get(`${baseUrl}/visit.json`, cookie);
    if (setCookie) cookie = setCookie[0].split(';')[0];
    workers.add(json.worker);
    const mark = json.visits === i ? '' : `   <- expected ${i}`;
    if (mark) ok = false;
    console.log(
      `  request ${i}: worker ${json.worker} answered, shared visit counter = ${json.visits}${mark}`,
    );
  }
  console.log(
    ok
      ? `self-test passed: ${workers.size} workers, one session, counter exact.`
      : 'self-test FAILED: the counter skipped or repeated.',
  );
  return ok && workers.size > 1;
}
