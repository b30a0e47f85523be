import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Where redis-server is, or why it cannot be used. REDIS_SERVER_BIN overrides the search. */
export type RedisBinary = { found: true; path: string } | { found: false; reason: string };

export function findRedisServer(): RedisBinary {
  const candidates = process.env.REDIS_SERVER_BIN
    ? [process.env.REDIS_SERVER_BIN]
    : [
        '/usr/bin/redis-server',
        ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'redis-server')),
      ];
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return { found: true, path };
    } catch {
      // try the next one
    }
  }
  return {
    found: false,
    reason: `no executable redis-server (looked at ${candidates.slice(0, 3).join(', ')}...)`,
  };
}

/**
 * Resolves what a Redis test file should do: run, or skip loudly. In CI a missing binary is a
 * failure (a skipped test there would hide a broken environment), so this throws.
 */
export function redisServerForTests(): RedisBinary {
  const bin = findRedisServer();
  if (!bin.found) {
    if (process.env.CI === 'true') {
      throw new Error(
        `Redis tests cannot run in CI: ${bin.reason}. Install redis-server or set REDIS_SERVER_BIN.`,
      );
    }
    console.warn(`\n*** SKIPPING the RedisStore tests against a real server: ${bin.reason} ***\n`);
  }
  return bin;
}

export async function freeLoopbackPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServerOptions {
  /** Extra command-line arguments, e.g. ['--appendonly', 'yes'] for a restart that keeps data. */
  args?: string[];
  /** How long to wait for "Ready to accept connections". Default 10 s. */
  startTimeoutMs?: number;
}

/**
 * A throw-away redis-server: loopback only, a fresh temp dir, no persistence unless asked.
 * `stop()`/`kill()` and `start()` again reuse the same port and dir (a restart).
 */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  readonly #bin: string;
  readonly #options: RedisServerOptions;
  #child: ChildProcess | undefined;
  readonly #killOnExit = () => this.#child?.kill('SIGKILL');

  private constructor(bin: string, port: number, options: RedisServerOptions) {
    this.#bin = bin;
    this.port = port;
    this.#options = options;
    this.dir = mkdtempSync(join(tmpdir(), 'fmsess-redis-'));
  }

  /** Starts a server on a free port (retrying if another process grabs the port first). */
  static async start(bin: string, options: RedisServerOptions = {}): Promise<RedisServer> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const server = new RedisServer(bin, await freeLoopbackPort(), options);
      try {
        await server.start();
        return server;
      } catch (err) {
        lastError = err;
        await server.dispose();
      }
    }
    throw lastError;
  }

  /** Starts a server on a given port (for "Redis comes up after the app" tests). */
  static async startOnPort(
    bin: string,
    port: number,
    options: RedisServerOptions = {},
  ): Promise<RedisServer> {
    const server = new RedisServer(bin, port, options);
    try {
      await server.start();
      return server;
    } catch (err) {
      await server.dispose();
      throw err;
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  async start(): Promise<void> {
    if (this.#child) return;
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
      ...(this.#options.args ?? []),
    ];
    const child = spawn(this.#bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    process.once('exit', this.#killOnExit);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(new Error(`redis-server did not get ready in time on port ${this.port}:\n${output}`));
      }, this.#options.startTimeoutMs ?? 10_000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        this.#child = undefined;
        reject(err);
      };
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          child.stdout?.resume(); // keep draining so the server never blocks on a full pipe
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once('exit', (code, signal) =>
        fail(new Error(`redis-server exited (${code ?? signal}) at start:\n${output}`)),
      );
    });
    child.removeAllListeners('exit');
  }

  /** Freezes the server (SIGSTOP): connections stay open and nothing is answered, a hung Redis. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  /** Lets a paused server run again (SIGCONT). */
  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** Graceful stop (SIGTERM), SIGKILL if it takes longer than 5 s. */
  stop(): Promise<void> {
    return this.#end('SIGTERM');
  }

  /** Hard crash: SIGKILL, no shutdown work at all. */
  kill(): Promise<void> {
    return this.#end('SIGKILL');
  }

  async #end(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    process.off('exit', this.#killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill(signal);
      child.kill('SIGCONT'); // a paused server would not act on SIGTERM until it runs again
    });
  }

  /** Stops the server and removes its directory. */
  async dispose(): Promise<void> {
    await this.#end('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
