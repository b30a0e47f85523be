// The README's @hono/node-ws recipe, on @hono/node-server 1.x: node-ws 1.3 peers ^1.19.11,
// and npm refuses to install it next to 2.x.
import type { Server } from 'node:http';
import { recipeServer } from '@fastmmap/adapter-test-suite';
import { serve } from '@hono/node-server-v1';
import { createNodeWebSocket } from '@hono/node-ws';
import { describeHonoRecipe, recipeApp } from './websocket-recipe.js';

describeHonoRecipe('@hono/node-ws', async (options) => {
  const { app, sessions, wired } = recipeApp(options, (hono) => createNodeWebSocket({ app: hono }));
  const { injectWebSocket, wss } = wired;
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  injectWebSocket(server);
  const served = await recipeServer(server, wss.clients, sessions);
  return { ...served, manager: sessions.manager };
});
