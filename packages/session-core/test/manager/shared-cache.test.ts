// Which Cache-Control values let a shared cache store a response (and so its Set-Cookie).
import { sharedCacheable } from '@fastmmap/session-core/adapter';
import { describe, expect, it } from 'vitest';

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
