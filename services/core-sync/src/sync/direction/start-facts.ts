/**
 * The first stage of a direction: check both sides and each table, and find what the target already holds
 * (checkpoints, rows, unfinished copies) — the facts a plan is made from. Nothing is copied or streamed yet.
 */
import { checkReplicationAccess, readCurrentPosition } from '../../binlog/index.js';
import { readsBinlogs } from '../../config/index.js';
import type { BinlogPosition, SideName } from '../../model/index.js';
import { CheckpointState } from '../../apply/index.js';
import { tableHasRows, type Pool } from '../../mysql/index.js';
import { driverErrorCode } from '../../errors/index.js';
import { prepareTable, type TablePair } from '../../snapshot/index.js';
import { ensureCheckpointTable, readSlots, readMarkedTables, type SlotPosition } from '../../target/index.js';
import { confirmSourceServer } from '../source-server-record.js';
import type { DirectionContext } from './direction-context.js';

/** What a direction found at start, before it copied anything. */
export interface DirectionFacts {
  readonly source: SideName;
  readonly target: SideName;
  /** The source's position read before the tables were checked: a table started fresh streams from here. */
  readonly sourcePosition: BinlogPosition | null;
  readonly tables: ReadonlyMap<string, TableFacts>;
}

export interface TableFacts {
  readonly hasCheckpoint: boolean;
  readonly targetEmpty: boolean;
  /** A copy of the table into the target started and did not finish (stopped, or the process died). */
  readonly copyUnfinished: boolean;
  /** Bidirectional: the table's adoption started and no reconciling run has finished it yet. */
  readonly adoptionUnfinished: boolean;
}

/** What a direction does at start: which tables it copies, and which start streaming without a copy. */
export interface DirectionPlan {
  readonly copy: readonly string[];
  /** Tables that stream from `DirectionFacts.sourcePosition` on, without a copy (bidirectional). */
  readonly fresh: readonly string[];
  /** Bidirectional: tables with rows on both sides, streamed both ways, whose differences a reconciling run settles. */
  readonly adopt: readonly string[];
  /** Whether a copy into a non-empty target deletes the target's rows the source lacks (one-way only). */
  readonly repair: boolean;
}

/** One-way: copy every table the target has no checkpoint for, whose target table is empty, or whose copy did not finish. */
export function oneWayPlan(facts: DirectionFacts): DirectionPlan {
  const copy = [...facts.tables]
    .filter(([, table]) => !table.hasCheckpoint || table.targetEmpty || table.copyUnfinished)
    .map(([name]) => name);
  return { copy, fresh: [], adopt: [], repair: true };
}

/** The facts, with what the later stages need from the checks. */
export interface StartFacts {
  readonly facts: DirectionFacts;
  /** Source and target schema of each synced table. */
  readonly schemas: ReadonlyMap<string, TablePair>;
  /** The checkpoint slots the target held at start (moved to the current source server if it changed). */
  readonly slotsBefore: readonly SlotPosition[];
  /** The source server's identity, recorded on the target (source-server-record.ts); only where the binlog is read (config readsBinlogs). */
  readonly sourceServer: string | undefined;
}

export async function readStartFacts(context: DirectionContext): Promise<StartFacts> {
  const { config, source, target, sourcePool, targetPool, sourceDatabase, targetDatabase, logger } = context;
  const replicationEndpoint = context.sourceEndpoints.replication;
  logger.info(
    { tables: config.sync.tables.map((table) => table.name), realtime: config.sync.realtime },
    'starting direction',
  );
  const readsBinlog = readsBinlogs(config.sync);
  if (readsBinlog) await checkReplicationAccess(replicationEndpoint);
  // Read first: writes after it are streamed, writes before it show in the emptiness checks below.
  const sourcePosition = readsBinlog ? await readCurrentPosition(sourcePool) : null;
  // Tables that resume streaming from a checkpoint: their schema changes since are in the binlog.
  const resuming = tablesWithSlots(await readSlotsIfAny(targetPool, targetDatabase, source));
  const schemas = new Map<string, TablePair>();
  for (const tableConfig of config.sync.tables) {
    const pair = await prepareTable({
      table: tableConfig.name,
      configuredPrimaryKey: tableConfig.primaryKey,
      timestampColumn: tableConfig.timestampColumn,
      sourcePool,
      sourceDatabase,
      sourceLabel: source,
      targetPool,
      targetDatabase,
      targetLabel: target,
      createMissingTables: config.sync.createMissingTables,
      columnsFollowBinlog: config.sync.ddl === 'replicate' && resuming.has(tableConfig.name),
      logger,
    });
    schemas.set(tableConfig.name, pair);
  }
  await ensureCheckpointTable(targetPool, targetDatabase);
  let slotsBefore = await readSlots(targetPool, targetDatabase, source);
  let sourceServer: string | undefined;
  if (readsBinlog) {
    const confirmed = await confirmSourceServer({
      source,
      sourcePool,
      sourceDatabase,
      targetPool,
      targetDatabase,
      slots: slotsBefore,
      replicationEndpoint,
      serverLabel: `${source} (${replicationEndpoint.host}:${replicationEndpoint.port})`,
      logger,
    });
    sourceServer = confirmed.identity;
    slotsBefore = [...confirmed.slots];
  }
  const checkpointsBefore = new CheckpointState(slotsBefore);
  const unfinishedCopies = await readMarkedTables(targetPool, targetDatabase, source, 'copying');
  const unfinishedAdoptions = await readMarkedTables(targetPool, targetDatabase, source, 'adopting');
  const tables = new Map<string, TableFacts>();
  for (const tableConfig of config.sync.tables) {
    const pair = schemas.get(tableConfig.name);
    const targetEmpty =
      pair?.created === true || !(await tableHasRows(targetPool, targetDatabase, tableConfig.name));
    tables.set(tableConfig.name, {
      hasCheckpoint: checkpointsBefore.hasCheckpointFor(tableConfig.name),
      targetEmpty,
      copyUnfinished: unfinishedCopies.has(tableConfig.name),
      adoptionUnfinished: unfinishedAdoptions.has(tableConfig.name),
    });
  }
  return { facts: { source, target, sourcePosition, tables }, schemas, slotsBefore, sourceServer };
}

/** The tables some checkpoint slot of this source names (a worker's, an older release's partition, a snapshot). */
function tablesWithSlots(slots: readonly SlotPosition[]): Set<string> {
  const tables = new Set<string>();
  for (const { slot } of slots) {
    const match = /^(?:t:\d+:|p:\d+:\d+:|snapshot:)(.+)$/s.exec(slot);
    if (match?.[1] !== undefined) tables.add(match[1]);
  }
  return tables;
}

/** The slots of this source, none when the target has no checkpoint table yet (nothing is created before checks). */
async function readSlotsIfAny(pool: Pool, database: string, source: SideName): Promise<SlotPosition[]> {
  try {
    return await readSlots(pool, database, source);
  } catch (error) {
    if (driverErrorCode(error) === 'ER_NO_SUCH_TABLE') return [];
    throw error;
  }
}
