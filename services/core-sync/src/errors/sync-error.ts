import { errorCodes, type ErrorCode } from './error-codes.js';

export interface SyncErrorOptions {
  readonly cause?: unknown;
  /** Overrides the code's default. */
  readonly retryable?: boolean;
  /** Structured facts about the error (table, column, position…), safe to log and to return from the API. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The one error type of the service: a code, a message saying what was being done, and the cause. */
export class SyncError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly httpStatus: number;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: SyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SyncError';
    this.code = code;
    this.retryable = options.retryable ?? errorCodes[code].retryable;
    this.httpStatus = errorCodes[code].httpStatus;
    this.details = options.details;
  }
}

export function isSyncError(error: unknown): error is SyncError {
  return error instanceof SyncError;
}

/** The error's own message followed by its causes' messages: "a: b: c". */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth += 1) {
    if (current instanceof Error) {
      parts.push(current.message);
      current = current.cause;
    } else {
      parts.push(typeof current === 'string' ? current : JSON.stringify(current));
      break;
    }
  }
  return parts.join(': ');
}

/** The driver's error code (`ER_DUP_ENTRY`, `ECONNREFUSED`…) of an error or of any of its causes. */
export function driverErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 8; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !(current instanceof SyncError)) return code;
    current = current.cause;
  }
  return undefined;
}
