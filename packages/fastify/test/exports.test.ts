import * as core from '@fastmmap/session-core';
import { expect, it } from 'vitest';
import { isSessionError, SessionError, type SessionErrorCode } from '../src/index.js';

it("re-exports session-core's SessionError, isSessionError and SessionErrorCode", () => {
  const code: SessionErrorCode = 'ERR_SESSION_OPTIONS';
  expect(SessionError).toBe(core.SessionError);
  expect(isSessionError).toBe(core.isSessionError);
  expect(isSessionError(new SessionError(code, 'bad option'), code)).toBe(true);
});
