/** Messages between the suite and a conformance child (over the fork IPC channel). */
export type ParentMessage = { type: 'increment'; id: string; count: number; ttlMs: number };

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'done'; count: number }
  | { type: 'error'; message: string; code?: string };
