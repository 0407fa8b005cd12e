/**
 * Wiring from the configuration: the apply engine, its conflict check and the binlog reader of a direction, with
 * every setting they take read from `sync.*` and the sides' `databases.*` here and nowhere else.
 */
import {
  ApplyEngine,
  type ApplyHooks,
  type CheckpointState,
  type DependencyKeys,
  type RefreshResolver,
} from '../../apply/index.js';
import { BinlogSource, type BinlogHandler, type BinlogSourceOptions } from '../../binlog/index.js';
import type { ServiceConfig } from '../../config/index.js';
import { ConflictChecker, strategyFor } from '../../conflict/index.js';
import type { BinlogPosition, SideName, TableSchema } from '../../model/index.js';
import type { TablePause } from '../../status/index.js';
import { readTableSchema } from '../../mysql/index.js';
import { checkpointTableName } from '../../target/index.js';
import type { BidirectionalOptions, DirectionContext } from './direction-context.js';

/**
 * Rows per streaming statement (a batch of `batch_insert_size` rows is several statements in one transaction).
 * mysql2 caches each statement size once per connection, with one parameter-definition object per placeholder:
 * fewer rows per statement keep that cache small (measured in docs/BENCHMARKS.md, "Notes from profiling").
 */
export const streamingRowsPerStatement = 256;

export interface ApplyEngineWiring {
  readonly checkpoints: CheckpointState;
  readonly startPosition: BinlogPosition;
  readonly targetSchemas: ReadonlyMap<string, TableSchema>;
  readonly changeKeys: DependencyKeys;
  readonly refreshResolver: RefreshResolver;
  /** Tables paused before streaming (their copy was refused): held from the start. */
  readonly heldTables: readonly TablePause[];
  /** The position a restart must read again from, while the source holds a prepared XA transaction. */
  readonly sourceHold: () => BinlogPosition | null;
  readonly hooks: ApplyHooks;
}

export function createApplyEngine(context: DirectionContext, wiring: ApplyEngineWiring): ApplyEngine {
  const { config, source, target, targetPool, targetDatabase, bidirectional, fenceEpoch, logger } = context;
  return new ApplyEngine({
    sourceName: source,
    targetName: target,
    targetPool,
    targetDatabase,
    tables: wiring.targetSchemas,
    workerCount: config.sync.workers,
    changeKeys: wiring.changeKeys,
    batchSize: config.sync.batchInsertSize,
    maxRowsPerStatement: Math.min(config.sync.batchInsertSize, streamingRowsPerStatement),
    // sync.queue_capacity bounds the changes the process holds: both directions share it.
    queueCapacity: directionQueueCapacity(config.sync.queueCapacity, config.sync.mode),
    checkpoints: wiring.checkpoints,
    startPosition: wiring.startPosition,
    // A prepared XA transaction's changes are held in memory until decided: a restart must read it again.
    sourceHold: wiring.sourceHold,
    logger,
    refreshResolver: wiring.refreshResolver,
    heldTables: wiring.heldTables,
    ...(fenceEpoch === undefined ? {} : { fenceEpoch }),
    ...(bidirectional === undefined
      ? {}
      : {
          conflictCheck: createConflictChecker(context, bidirectional),
          readTargetSchema: (table: string) => readTableSchema(targetPool, targetDatabase, table),
          removedOnTarget: (table: string) => bidirectional.schemaChanges.removedColumns(target, table),
        }),
    hooks: wiring.hooks,
  });
}

function createConflictChecker(
  context: DirectionContext,
  bidirectional: BidirectionalOptions,
): ConflictChecker {
  const { config, source, target, sourcePool, sourceDatabase, targetDatabase, store, logger } = context;
  return new ConflictChecker({
    sourceSide: source,
    targetSide: target,
    sourcePool,
    sourceDatabase,
    targetDatabase,
    rules: new Map(
      config.sync.tables.map((table) => [
        table.name,
        { strategy: strategyFor(table), timestampColumn: table.timestampColumn },
      ]),
    ),
    openConflicts: bidirectional.openConflicts,
    ownWrites: bidirectional.ownWrites,
    rowClaims: bidirectional.rowClaims,
    adopting: bidirectional.adopting,
    store,
    logger,
    ...(bidirectional.onConflict === undefined ? {} : { onConflict: bidirectional.onConflict }),
  });
}

export interface BinlogSourceWiring {
  readonly startPosition: BinlogPosition;
  /** The source server's identity recorded on the target (source-server-record.ts). */
  readonly sourceServer: string | undefined;
  readonly handler: BinlogHandler;
}

export function createBinlogSource(context: DirectionContext, wiring: BinlogSourceWiring): BinlogSource {
  return new BinlogSource({
    ...binlogReadSettings(context, wiring),
    // The service's own transactions on this side (the other direction's batches) are dropped as echoes.
    markerTable: checkpointTableName,
    handler: wiring.handler,
  });
}

/** How a dump of the direction's source reads it (the stream's, or a bounded read's with the same replica id). */
export function binlogReadSettings(
  context: DirectionContext,
  wiring: Omit<BinlogSourceWiring, 'handler'>,
): Omit<BinlogSourceOptions, 'handler' | 'markerTable'> & { readonly queryTimeoutMs: number } {
  const { config, source, target, logger } = context;
  const sourceConfig = config.databases[source];
  return {
    side: source,
    endpoint: context.sourceEndpoints.replication,
    database: sourceConfig.database,
    tables: config.sync.tables.map((table) => table.name),
    serverId: sourceConfig.serverId ?? defaultReplicaServerId(source, target),
    startPosition: wiring.startPosition,
    ...(wiring.sourceServer === undefined ? {} : { sourceServer: wiring.sourceServer }),
    heartbeatIntervalMs: config.sync.heartbeatIntervalMs,
    reconnectInitialDelayMs: config.sync.reconnectInitialDelayMs,
    reconnectMaxDelayMs: config.sync.reconnectMaxDelayMs,
    queryTimeoutMs: sourceConfig.queryTimeoutMs,
    logger,
  };
}

function defaultReplicaServerId(source: SideName, target: SideName): number {
  return 0x4d530000 + (source === 'local' ? 1 : 2) * 16 + (target === 'local' ? 1 : 2);
}

/**
 * The replica id of a full sync's history read of `side`'s binlog (fullsync/key-history.ts), next to the stream's
 * own dump: the stream's id plus 0x100 ("MS" + 1 with the default ids).
 */
export function historyReaderServerId(serverId: number | undefined, side: SideName): number {
  const streamId = serverId ?? defaultReplicaServerId(side, side === 'local' ? 'cloud' : 'local');
  return streamId >= 0xffffff00 ? streamId - 0x100 : streamId + 0x100;
}

/**
 * The changes one direction may queue: `sync.queue_capacity` is the process's budget, so the memory the queues
 * take does not double in bidirectional mode (each direction gets half).
 */
export function directionQueueCapacity(capacity: number, mode: ServiceConfig['sync']['mode']): number {
  return mode === 'bidirectional' ? Math.ceil(capacity / 2) : capacity;
}
