/**
 * What every stage of a direction works with: its options as the service gives them, and the two databases'
 * names read from the configuration once.
 */
import type { AppliedBatch } from '../../apply/index.js';
import type { ServiceConfig } from '../../config/index.js';
import type { ConflictEvent, OpenConflicts, OwnWrites, RowClaims } from '../../conflict/index.js';
import type { Logger } from '../../logging/index.js';
import { directionName, type DirectionName, type SideName } from '../../model/index.js';
import type { Pool } from '../../mysql/index.js';
import type { DirectionStatus, SchemaChangeView } from '../../status/index.js';
import type { StateStore } from '../../store/index.js';
import type { SideEndpoints } from '../database-endpoints.js';
import type { SchemaChangeLog } from './schema-change-log.js';

export interface DirectionPipelineOptions {
  readonly config: ServiceConfig;
  readonly source: SideName;
  readonly target: SideName;
  /** Where the source is read and streamed from (database-endpoints.ts), TLS settled. */
  readonly sourceEndpoints: SideEndpoints;
  readonly sourcePool: Pool;
  readonly targetPool: Pool;
  readonly store: StateStore;
  readonly logger: Logger;
  /** Called whenever the status changes in a way an operator should see (state, pause, failure). */
  readonly onStatusChange?: (status: DirectionStatus) => void;
  /** Every committed apply batch (metrics). */
  readonly onBatchApplied?: (event: AppliedBatch) => void;
  /** Every step of a schema change of a synced table (the event stream, metrics). */
  readonly onSchemaChange?: (change: SchemaChangeView) => void;
  /** High availability: the leader's lease epoch; the target's fence is raised to it and every batch checks it. */
  readonly fenceEpoch?: number;
  /** Set in bidirectional mode: conflicts are detected, and copies are marked so the other side drops them. */
  readonly bidirectional?: BidirectionalOptions;
}

export interface BidirectionalOptions {
  readonly openConflicts: OpenConflicts;
  /** Both shared with the other direction: see conflict/own-writes.ts and conflict/row-claims.ts. */
  readonly ownWrites: OwnWrites;
  readonly rowClaims: RowClaims;
  /** Whether a table is being adopted (its rows on one side only are the adoption run's to place). */
  readonly adopting: (table: string) => boolean;
  /** Shared with the other direction: the latest schema change each side made on each table. */
  readonly schemaChanges: SchemaChangeLog;
  readonly onConflict?: (event: ConflictEvent) => void;
}

export interface DirectionContext extends DirectionPipelineOptions {
  readonly direction: DirectionName;
  readonly sourceDatabase: string;
  readonly targetDatabase: string;
}

/** The context of one direction; its logger names the direction in every line. */
export function directionContext(options: DirectionPipelineOptions): DirectionContext {
  const direction = directionName(options.source);
  return {
    ...options,
    logger: options.logger.child({ component: 'pipeline', direction }),
    direction,
    sourceDatabase: options.config.databases[options.source].database,
    targetDatabase: options.config.databases[options.target].database,
  };
}
