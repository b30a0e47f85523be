/**
 * Whether an object with prototype `proto` is a plain dictionary: made by `{}`,
 * `Object.create(null)`, or `new Empty()` with `Empty.prototype = Object.create(null)`, which
 * is how fast-querystring makes Fastify's `request.query` and @fastify/formbody's bodies.
 * Every codec keeps such an object's own keys and gives a plain object back. A prototype with
 * keys of its own (methods, a constructor) or a prototype of its own is a class's.
 */
export function isPlainPrototype(proto: object | null): boolean {
  return proto === Object.prototype || proto === null || isEmptyNullPrototype(proto);
}

// Off the hot path: ordinary objects never get here.
function isEmptyNullPrototype(proto: object): boolean {
  return Object.getPrototypeOf(proto) === null && Reflect.ownKeys(proto).length === 0;
}
