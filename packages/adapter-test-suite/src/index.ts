export {
  type AppHandle,
  type ConformanceOptions,
  describeAdapterConformance,
  type StartApp,
} from './conformance.js';
export { csrfPost, sessionCookiePair, wrongToken } from './csrf-client.js';
export { FlakyStore } from './flaky-store.js';
export { GatedStore } from './gated-store.js';
export {
  type CallOptions,
  call,
  parseSetCookie,
  type RawReply,
  type Reply,
  rawRequest,
  type SetCookie,
} from './http-client.js';
export { describeKillUnderLoad } from './kill-under-load.js';
export { expectLoginRotatesId, type LoginGo } from './login-flow.js';
export { type FlowReply, type FlowRequest, loginFlowClient } from './login-flow-client.js';
export { expectStoreOptionDocs, propertyDocs } from './property-docs.js';
export type { StoreKind } from './stores.js';
export {
  describeStreamBodies,
  type StartStreamApp,
  type StreamAppHandle,
} from './stream-bodies.js';
export { thrownBy } from './thrown.js';
export { type TypeScriptCompiler, typeErrors } from './type-errors.js';
export {
  type Closed,
  closedSocket,
  cookiePairs,
  type Handshake,
  openWebSocket,
} from './websocket-client.js';
export { type RecipeServer, recipeServer } from './websocket-recipe-server.js';
export {
  describeWebSocketRecipe,
  type WebSocketRecipeOptions,
} from './websocket-recipe-suite.js';
export type {
  RecipeApp,
  RecipeOptions,
  RecipeTools,
  StartRecipeApp,
} from './websocket-recipe-tools.js';
