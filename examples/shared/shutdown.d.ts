import type { Server } from 'node:http';

/** On SIGINT/SIGTERM: closes `server` after its requests in flight, then `closeAll()`, exit 0. */
export function closeGracefully(server: Server, closeAll: () => Promise<unknown>): void;
