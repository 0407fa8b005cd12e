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

/** How many causes deep the helpers below look (a wrapped error is rarely more than three deep). */
const maxCauseDepth = 8;

/** The first error among `error` and its causes (outermost first) that `matches`. */
export function findInCauses(error: unknown, matches: (candidate: Error) => boolean): Error | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < maxCauseDepth; depth += 1) {
    if (matches(current)) return current;
    current = current.cause;
  }
  return undefined;
}

/** The driver's error (not a SyncError wrapping it) among an error and its causes: the one with a string code. */
export function driverErrorOf(error: unknown): Error | undefined {
  return findInCauses(
    error,
    (candidate) =>
      typeof (candidate as { code?: unknown }).code === 'string' && !(candidate instanceof SyncError),
  );
}

/** The driver's error code (`ER_DUP_ENTRY`, `ECONNREFUSED`…) of an error or of any of its causes. */
export function driverErrorCode(error: unknown): string | undefined {
  return (driverErrorOf(error) as { code?: string } | undefined)?.code;
}
