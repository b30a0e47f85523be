// Which Cache-Control values let a shared cache store a response (and so its Set-Cookie).
import { sharedCacheable } from '@fastmmap/session-core/adapter';
import { describe, expect, it } from 'vitest';
// The source's, as the manager's: a session from another copy of the class is not managed.
import { commitForCache } from '../../src/adapter.js';
import { managerSetup } from '../helpers.js';

describe('sharedCacheable', () => {
  it('is true for public or s-maxage, in any case and among other directives', () => {
    for (const value of ['public', 'PUBLIC, max-age=60', 'max-age=0, public', 's-maxage=600']) {
      expect(sharedCacheable(value), value).toBe(true);
    }
    expect(sharedCacheable(['max-age=60', 'public'])).toBe(true);
  });

  it('is false for private, no-store, plain max-age and no header', () => {
    for (const value of ['private', 'public, private', 'public, no-store', 'max-age=60', '']) {
      expect(sharedCacheable(value), value).toBe(false);
    }
    expect(sharedCacheable(undefined)).toBe(false);
    expect(sharedCacheable(60)).toBe(false);
  });
});

describe('commitForCache', () => {
  it('leaves data no store can keep to the commit, which rejects, instead of throwing', async () => {
    const setup = managerSetup('sync', { ttl: 60_000, touchAfter: 1_000, rolling: true });
    const login = await setup.manager.load<Record<string, unknown>>(undefined);
    login.data.user = 'ann';
    const cookie = (await login.commit())[0]!.split(';', 1)[0]!;
    const session = await setup.manager.load<Record<string, unknown>>(cookie);
    session.data.fn = () => 1;
    let committed: unknown;
    expect(() => {
      committed = commitForCache(session, 'public, max-age=60');
    }).not.toThrow();
    await expect(committed).rejects.toMatchObject({ code: 'ERR_SESSION_UNSUPPORTED_DATA' });
  });
});
