// The README's WebSocket recipe on @hono/node-server 2.x's own upgradeWebSocket(), which
// replaces @hono/node-ws there.
import type { Server } from 'node:http';
import { recipeServer } from '@fastmmap/adapter-test-suite';
import { serve, upgradeWebSocket } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { describeHonoRecipe, recipeApp } from './websocket-recipe.js';

describeHonoRecipe('@hono/node-server 2.x', async (options) => {
  const wss = new WebSocketServer({ noServer: true });
  const { app, sessions } = recipeApp(options, () => ({ upgradeWebSocket }));
  const server = serve({
    fetch: app.fetch,
    port: 0,
    hostname: '127.0.0.1',
    websocket: { server: wss },
  }) as Server;
  const served = await recipeServer(server, wss.clients, sessions);
  return { ...served, manager: sessions.manager };
});
