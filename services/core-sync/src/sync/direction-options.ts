/**
 * The options each direction pipeline is built with (sync-service.ts): its databases, and where what it does is
 * published: its status, its batches, its conflicts and its schema changes, on the event bus.
 */
import type { ConflictEvent, OpenConflicts, OwnWrites, RowClaims } from '../conflict/index.js';
import type { ServiceEvents } from '../events/index.js';
import { directionName } from '../model/index.js';
import type { DirectionStatus } from '../status/index.js';
import type { DirectionPipelineOptions, SchemaChangeLog } from './direction/index.js';

/** What the two directions of a bidirectional pair share (conflict/own-writes.ts, conflict/row-claims.ts). */
export interface SharedBidirectionalState {
  readonly openConflicts: OpenConflicts;
  readonly ownWrites: OwnWrites;
  readonly rowClaims: RowClaims;
  readonly adopting: (table: string) => boolean;
  readonly schemaChanges: SchemaChangeLog;
  readonly publishConflict: (conflict: ConflictEvent) => void;
}

export interface DirectionOptionsInput extends Pick<
  DirectionPipelineOptions,
  'config' | 'source' | 'target' | 'sourceEndpoints' | 'sourcePool' | 'targetPool' | 'store' | 'logger'
> {
  readonly fenceEpoch: number | undefined;
  readonly events: ServiceEvents | undefined;
  readonly onStatusChange: ((status: DirectionStatus) => void) | undefined;
  /** Set in bidirectional mode. */
  readonly shared: SharedBidirectionalState | undefined;
}

export function directionOptions(input: DirectionOptionsInput): DirectionPipelineOptions {
  const { events, shared, fenceEpoch } = input;
  const direction = directionName(input.source);
  return {
    config: input.config,
    source: input.source,
    target: input.target,
    sourceEndpoints: input.sourceEndpoints,
    sourcePool: input.sourcePool,
    targetPool: input.targetPool,
    store: input.store,
    logger: input.logger,
    ...(fenceEpoch === undefined ? {} : { fenceEpoch }),
    onStatusChange: (status) => {
      input.onStatusChange?.(status);
      events?.publish({ type: 'status', direction, status });
    },
    onBatchApplied: (batch) =>
      events?.publish({
        type: 'batch',
        direction,
        rowCountByTable: Object.fromEntries(batch.rowCountByTable),
        rowCount: batch.rowCount,
        durationMs: batch.durationMs,
      }),
    onSchemaChange: (change) => events?.publish({ type: 'schema-change', direction, change }),
    ...(shared === undefined
      ? {}
      : {
          bidirectional: {
            openConflicts: shared.openConflicts,
            ownWrites: shared.ownWrites,
            rowClaims: shared.rowClaims,
            adopting: shared.adopting,
            schemaChanges: shared.schemaChanges,
            onConflict: shared.publishConflict,
          },
        }),
  };
}
