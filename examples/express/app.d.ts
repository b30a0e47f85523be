// Types of app.js (plain JavaScript) for the TypeScript tests that import it.
import type { Server } from 'node:http';
import type { Store } from '@fastmmap/session-core';

/** The Express application; typed by the part its callers use. */
export interface ExampleApp {
  listen(port: number, host: string): Server;
}

export function createApp(options?: { secret?: string; store?: Store }): {
  app: ExampleApp;
  /** Closes the session middleware (and the store it opened). */
  close(): Promise<void>;
};
