import type { DirectionStatus } from '../api/types';

/** No XA transaction prepared on the source (tests only). */
export const noPreparedXa: NonNullable<DirectionStatus['stream']>['preparedXa'] = {
  count: 0,
  oldestXid: null,
  oldestPreparedAt: null,
  oldestAgeMs: null,
  restartPosition: null,
};

/** A healthy local → cloud direction streaming one table, with `overrides` on top (tests only). */
export function directionStatus(overrides: Partial<DirectionStatus> = {}): DirectionStatus {
  return {
    source: 'local',
    target: 'cloud',
    state: 'streaming',
    error: null,
    stream: {
      state: 'streaming',
      position: 'binlog.000001:4',
      lagMs: 12,
      preparedXa: noPreparedXa,
      reconnectAttempt: 0,
      lastError: null,
    },
    watermark: null,
    queueDepth: 0,
    backpressure: null,
    rowsApplied: 0,
    applyFailure: null,
    tables: [{ table: 'items', state: 'streaming', rowsApplied: 0, rowsCopied: 0, pause: null }],
    schemaChanges: [],
    ...overrides,
  };
}
