// koa-better-flash ships no typings: its default export makes the middleware that gives
// ctx.flash (unless ctx.flash is there already, as session()'s is).
declare module 'koa-better-flash' {
  import type { Middleware } from 'koa';
  export default function flash(): Middleware;
}
