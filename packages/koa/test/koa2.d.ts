// `koa2` is Koa 2 installed under an alias (package.json: "npm:koa@^2"), so the conformance
// suite runs on both majors. Typed with the Koa 3 typings: the conformance app uses only what
// the two share (`new Koa()`, `app.keys`, `app.silent`, `app.use`, `app.listen`).
declare module 'koa2' {
  export { default } from 'koa';
}
