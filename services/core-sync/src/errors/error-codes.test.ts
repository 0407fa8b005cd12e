import { describe, expect, it } from 'vitest';
import { errorCodes } from './error-codes.js';
import { SyncError, describeError, driverErrorCode } from './sync-error.js';

describe('error codes', () => {
  it('documents every code with a sentence and a valid HTTP status', () => {
    for (const [code, info] of Object.entries(errorCodes)) {
      expect(code).toMatch(/^[A-Z][A-Z_]+$/);
      expect(info.description.length, `${code} needs a description`).toBeGreaterThan(30);
      expect(info.description.endsWith('.'), `${code}'s description should be a sentence`).toBe(true);
      expect(info.httpStatus).toBeGreaterThanOrEqual(400);
      expect(info.httpStatus).toBeLessThan(600);
    }
  });

  it('carries code, cause and the default retryability', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const error = new SyncError('DATABASE_UNAVAILABLE', 'failed to connect to cloud', { cause });
    expect(error.retryable).toBe(true);
    expect(error.httpStatus).toBe(503);
    expect(describeError(error)).toBe('failed to connect to cloud: connect ECONNREFUSED');
    expect(driverErrorCode(error)).toBe('ECONNREFUSED');
    expect(new SyncError('INTERNAL', 'boom').retryable).toBe(false);
  });
});
