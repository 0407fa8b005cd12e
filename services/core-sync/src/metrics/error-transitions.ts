/**
 * Finds the errors that are new in a direction's status, so `mysql_sync_errors_total` counts each failure once
 * however many status events repeat it.
 *
 * A stream error is new when the stream's `lastError` appears or changes code, when the reconnect attempt
 * count grows (each failed attempt is one error, even with the same code), or when the stream turns `failed`
 * (the fatal error). A stream that recovers keeps its `lastError` and resets the attempt count to 0: neither
 * counts.
 *
 * A direction error is new when the direction's `error` appears or changes code, unless the stream reports the
 * same code: then the direction failed because its stream did, and that error was counted as the stream's.
 */
import type { DirectionName } from '../events/index.js';
import type { DirectionStatus } from '../status/index.js';

interface SeenErrors {
  readonly directionErrorCode: string | null;
  readonly streamErrorCode: string | null;
  readonly streamState: string | null;
  readonly reconnectAttempt: number;
}

const nothingSeen: SeenErrors = {
  directionErrorCode: null,
  streamErrorCode: null,
  streamState: null,
  reconnectAttempt: 0,
};

export class ErrorTransitions {
  readonly #seen = new Map<DirectionName, SeenErrors>();

  /** The codes of the errors that `status` reports and the previous status of `direction` did not. */
  newErrorCodes(direction: DirectionName, status: DirectionStatus): string[] {
    const previous = this.#seen.get(direction) ?? nothingSeen;
    const stream = status.stream;
    const streamErrorCode = stream?.lastError?.code ?? null;
    const reconnectAttempt = stream?.reconnectAttempt ?? 0;
    const streamState = stream?.state ?? null;
    const directionErrorCode = status.error?.code ?? null;
    this.#seen.set(direction, { directionErrorCode, streamErrorCode, streamState, reconnectAttempt });

    const codes: string[] = [];
    if (streamErrorCode !== null) {
      const streamErrorIsNew =
        streamErrorCode !== previous.streamErrorCode ||
        reconnectAttempt > previous.reconnectAttempt ||
        (streamState === 'failed' && previous.streamState !== 'failed');
      if (streamErrorIsNew) codes.push(streamErrorCode);
    }
    if (
      directionErrorCode !== null &&
      directionErrorCode !== previous.directionErrorCode &&
      directionErrorCode !== streamErrorCode
    ) {
      codes.push(directionErrorCode);
    }
    return codes;
  }
}
