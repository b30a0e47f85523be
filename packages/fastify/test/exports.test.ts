import { isSessionError, SessionError, type SessionErrorCode } from '@fastmmap/fastify';
import * as core from '@fastmmap/session-core';
import { expect, it } from 'vitest';

it("re-exports session-core's SessionError, isSessionError and SessionErrorCode", () => {
  const code: SessionErrorCode = 'ERR_SESSION_OPTIONS';
  expect(SessionError).toBe(core.SessionError);
  expect(isSessionError).toBe(core.isSessionError);
  expect(isSessionError(new SessionError(code, 'bad option'), code)).toBe(true);
});
