import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A recipe's node:http server once it listens, with its URLs and a shutdown. */
export interface RecipeServer {
  http: string;
  /** The recipe's socket on `/chat`. */
  ws: string;
  /** Terminates `sockets`, then closes the server and the sessions; the second call waits too. */
  close(): Promise<void>;
}

/**
 * For a recipe whose library leaves its sockets to the app (koa-easy-ws, @hono/node-ws):
 * waits for `server` to listen on 127.0.0.1. `sockets` is the library's live set of clients.
 */
export async function recipeServer(
  server: Server,
  sockets: Iterable<{ terminate(): void }>,
  sessions: { close(): Promise<void> },
): Promise<RecipeServer> {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // close() waits for every open connection, upgraded sockets included.
      for (const socket of sockets) socket.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await sessions.close();
    })();
    return closing;
  };
  return { http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/chat`, close };
}
