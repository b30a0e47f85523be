// koa-csrf 5 ships no typings (@types/koa-csrf describes 3): its default export is a
// constructor-or-function that makes the middleware; the token is ctx.state._csrf.
declare module 'koa-csrf' {
  import type { Middleware } from 'koa';
  export default function CSRF(options?: {
    excludedMethods?: string[];
    disableQuery?: boolean;
  }): Middleware;
}
