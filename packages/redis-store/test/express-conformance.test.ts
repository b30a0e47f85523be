import { describeAdapterConformance } from '@fastmmap/adapter-test-suite';
import type { Store } from '@fastmmap/session-core';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The conformance routes in Express idiom, as the Express adapter's own suite serves them.
import { startConformanceApp } from '../../express/test/helpers/conformance-app.js';
import { RedisStore } from '../src/index.js';
import type { RedisServer } from './helpers/redis-server.js';
import { rawClient, redisBinary, skipReason, startRedis } from './helpers/setup.js';

describe.skipIf(!redisBinary.found)(`@fastmmap/express with a RedisStore${skipReason}`, () => {
  let server: RedisServer;
  // The suite hands every app a store of its own making; the apps get a RedisStore in its
  // place, one per suite store (apps that share a store share a Redis prefix), same clock.
  const redisFor = new WeakMap<Store<object>, RedisStore>();
  const opened: RedisStore[] = [];
  let prefixes = 0;

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const store of opened) await store.close();
    await server?.dispose();
  });

  describeAdapterConformance('express 5 + RedisStore', (options) => {
    const suiteStore = options.store;
    let store = suiteStore && redisFor.get(suiteStore);
    if (store === undefined) {
      store = new RedisStore({
        url: server.url,
        clock: options.clock,
        prefix: `express${++prefixes}:`,
      });
      opened.push(store);
      if (suiteStore) redisFor.set(suiteStore, store);
    }
    return startConformanceApp(express, { ...options, store });
  });

  it('the apps above really kept their sessions in Redis', async () => {
    expect(opened.length).toBeGreaterThan(0);
    const raw = await rawClient(server.url);
    const keys = await raw.keys('express*');
    await raw.close();
    expect(keys.length).toBeGreaterThan(0);
  });
});
