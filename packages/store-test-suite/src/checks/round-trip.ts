import { expect } from 'vitest';
import type { Check } from '../types.js';
import { freshId, HOUR } from './helpers.js';

async function roundTrip(env: Parameters<Check>[0], data: Record<string, unknown>) {
  const id = freshId('rt');
  await env.store.store(id, data, HOUR);
  return env.store.get(id);
}

export const roundTripChecks = {
  'round-trips nested JSON-like data': async (env) => {
    const data = {
      str: 'hello',
      int: 42,
      negative: -7,
      float: 3.25,
      big: Number.MAX_SAFE_INTEGER,
      yes: true,
      no: false,
      nothing: null,
      list: [1, 'two', [3, [4, { five: 5 }]], null],
      deep: { a: { b: { c: { d: { e: ['bottom'] } } } } },
      emptyList: [],
      emptyObject: {},
    };
    expect(await roundTrip(env, data)).toStrictEqual(data);
  },

  'round-trips Unicode, astral characters included, in values and keys': async (env) => {
    const data = {
      'clé 🔑': 'value',
      greeting: 'héllo wörld — ünïcödé',
      cjk: '会话数据',
      astral: '𝄞 music, 😀 emoji, 🏳️‍🌈 sequence',
      rtl: 'مرحبا',
      nul: 'a\u0000b',
    };
    expect(await roundTrip(env, data)).toStrictEqual(data);
  },

  'round-trips Dates exactly, at the top level and nested': async (env) => {
    const data = {
      now: new Date(1_700_000_000_123),
      epoch: new Date(0),
      before1970: new Date(-86_400_000 * 365),
      nested: { list: [new Date(1), { at: new Date(8_640_000_000_000_000) }] },
    };
    const back = await roundTrip(env, data);
    expect(back).toStrictEqual(data);
    expect((back as { now: unknown }).now).toBeInstanceOf(Date);
  },

  'leaves out symbol keys and named array properties, as JSON does, and keeps the rest': async (
    env,
  ) => {
    const match = 'a-b'.match(/-/) as RegExpMatchArray; // an array with index, input, groups
    const data = {
      user: { name: 'ann', [Symbol('role')]: 'admin' },
      [Symbol('top')]: 1,
      list: Object.assign(['a', 'b'], { note: 'x', [Symbol('tag')]: 2 }),
      match,
    };
    expect(await roundTrip(env, data)).toStrictEqual({
      user: { name: 'ann' },
      list: ['a', 'b'],
      match: ['-'],
    });
  },

  'round-trips an empty object': async (env) => {
    expect(await roundTrip(env, {})).toStrictEqual({});
  },

  'returns undefined for an id never stored': async (env) => {
    expect(await env.store.get(freshId('missing'))).toBeUndefined();
  },

  'store replaces the whole previous value, and ids do not interfere': async (env) => {
    const id = freshId('replace');
    const other = freshId('other');
    await env.store.store(id, { a: 1, b: 2 }, HOUR);
    await env.store.store(other, { mine: true }, HOUR);
    await env.store.store(id, { c: 3 }, HOUR);
    expect(await env.store.get(id)).toStrictEqual({ c: 3 });
    expect(await env.store.get(other)).toStrictEqual({ mine: true });
  },

  'copies data on the way in: mutating after store() changes nothing stored': async (env) => {
    const id = freshId('in');
    const data = { list: [1], nested: { n: 1 }, when: new Date(5) };
    await env.store.store(id, data, HOUR);
    data.list.push(2);
    data.nested.n = 2;
    data.when.setTime(6);
    expect(await env.store.get(id)).toStrictEqual({
      list: [1],
      nested: { n: 1 },
      when: new Date(5),
    });
  },

  'copies data on the way out: mutating what get() returned changes nothing stored': async (
    env,
  ) => {
    const id = freshId('out');
    await env.store.store(id, { list: [1], nested: { n: 1 } }, HOUR);
    const first = (await env.store.get(id)) as { list: number[]; nested: { n: number } };
    first.list.push(2);
    first.nested.n = 2;
    expect(await env.store.get(id)).toStrictEqual({ list: [1], nested: { n: 1 } });
  },
} satisfies Record<string, Check>;

export const richTypeChecks = {
  'round-trips Map, Set, bigint and typed arrays': async (env) => {
    const data = {
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, 'b'],
      ]),
      set: new Set([1, 'x']),
      small: 5n,
      huge: 2n ** 70n,
      bytes: new Uint8Array([0, 1, 255]),
      floats: new Float64Array([1.5, -2]),
    };
    expect(await roundTrip(env, data)).toStrictEqual(data);
  },
} satisfies Record<string, Check>;
