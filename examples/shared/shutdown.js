// How an example app stops on SIGINT/SIGTERM without losing a session change: stop taking
// connections, let the requests in flight finish (their sessions commit), then close what the
// app opened. Shared by the Express and Koa examples; copy it along with one you take elsewhere.

/**
 * On SIGINT or SIGTERM: closes `server` once its requests in flight are answered, then awaits
 * `closeAll()` and exits 0. Idle connections close at once, busy ones after their response;
 * after 10 s, whatever is left is cut.
 */
export function closeGracefully(server, closeAll) {
  // Once stopping, a connection ends with the response it carries: server.close() drops only
  // the idle ones and waits for the rest, which keep-alive would otherwise hold open (and keep
  // taking requests on) until their idle timeout.
  let stopping = false;
  server.prependListener('request', (_req, res) => {
    if (stopping) res.setHeader('Connection', 'close');
    res.once('finish', () => {
      if (stopping) server.closeIdleConnections();
    });
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      stopping = true;
      server.close(() => closeAll().then(() => process.exit(0)));
      setTimeout(() => server.closeAllConnections(), 10_000).unref();
    });
  }
}
