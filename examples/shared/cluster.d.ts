import type { Server } from 'node:http';

/** WORKERS, 1 when unset; anything but a positive integer stops the app with a clear error. */
export function workerCount(): number;
/** In a worker: every response names the process that answered (see it with `curl -i`). */
export function addWorkerPidHeader(server: Server): void;
/** The cluster primary: forks and watches `count` workers sharing `secret`. */
export function runPrimary(count: number, secret: string): void;
