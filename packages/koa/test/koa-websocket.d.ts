// koa-websocket's own types (@types/koa-websocket) add a required `websocket` to every Koa
// Context, which breaks the other tests' contexts: only what koa-websocket-real.test.ts uses.
declare module 'koa-websocket' {
  import type Koa from 'koa';
  import type { WebSocket } from 'ws';

  type SocketContext = Koa.ParameterizedContext & { websocket: WebSocket };
  interface WebsocketApp extends Koa {
    ws: { use(middleware: (ctx: SocketContext, next: Koa.Next) => unknown): unknown };
  }
  export default function websockify(app: Koa): WebsocketApp;
}
