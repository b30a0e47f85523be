import { join } from 'node:path';
import { typeErrors } from '@fastmmap/adapter-test-suite';
import { describe, expect, it } from 'vitest';

const project = (name: string) => join(import.meta.dirname, 'types', name);

// Two programs: @types/express-session declares its own req.session, so an app uses one or the other.
describe('typings', () => {
  it('req.session is typed from SessionData (declaration merging)', () => {
    expect(typeErrors(project('tsconfig.session.json'))).toBe('');
  });

  it("socket.request.session typed as the README shows (IncomingMessage's accessor pair)", () => {
    expect(typeErrors(project('tsconfig.plain-request.json'))).toBe('');
  });

  it("ExpressSessionStore is assignable to express-session's Store", () => {
    expect(typeErrors(project('tsconfig.store.json'))).toBe('');
  });

  // An app may compile with a newer major than our build (5.9): 6 changed defaults, 7 is the
  // native port.
  it.each(['typescript-6', 'typescript-7'] as const)('req.session is typed under %s', (tsc) => {
    expect(typeErrors(project('tsconfig.session.json'), tsc)).toBe('');
  });
});
