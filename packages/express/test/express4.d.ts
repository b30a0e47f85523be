// `express4` is Express 4 installed under an alias (package.json: "npm:express@^4"), so the
// conformance suite runs on both majors. Typed with the Express 5 typings: the conformance
// app uses only what the two share (`express()`, `express.json()`, `app.use/get/post`).
declare module 'express4' {
  export { default } from 'express';
}
