/**
 * What a side's binlog says about some rows of a table: the last change of each key it still holds, read from the
 * oldest binlog file the server keeps up to now, and when that file begins. A full sync asks it about rows it found
 * on one side only (one-sided-rows.ts decides from the answers of both sides).
 *
 * The read is a dump of its own (a replica id of its own, next to the streaming one) that ends where the binlog
 * was when it started. To be sure a transaction marks that end, the reader first commits a marker row on the
 * side (the streams drop it as the service's own), then reads the end position.
 */
import { BinlogSource, listBinaryLogs, readCurrentPosition, type BinlogHandler } from '../binlog/index.js';
import { SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import {
  BinlogPosition,
  primaryKeyText,
  type Row,
  type SideName,
  type SourceTransaction,
  type TableSchema,
} from '../model/index.js';
import { createMysqlPool, type MysqlEndpoint, type Pool } from '../mysql/index.js';
import { inWriteTransaction, markerSlot, writeMarker } from '../target/index.js';

/** The last change of a key in one binlog. */
export interface KeyChange {
  /** A write left the row there (insert, or update to this key); a delete (or an update to another key) removed it. */
  readonly kind: 'write' | 'delete';
  /** When its transaction committed (ms since epoch, second precision). */
  readonly at: number;
  /** The row as the delete removed it (its before image); null for a write. */
  readonly deletedRow: Row | null;
  /**
   * For a write: when the key's row was last created in this binlog (an insert, or an update that moved a row to
   * this key); null when the row is older than the binlog, only updated in it.
   */
  readonly createdAt: number | null;
}

export interface SideHistory {
  /** When the oldest transaction the binlog still holds committed (ms); null when it holds none. */
  readonly windowStart: number | null;
  /** The last change of each asked key that the binlog holds. */
  readonly lastChanges: ReadonlyMap<string, KeyChange>;
  /** Some change of the table was logged without all its columns (binlog_row_image): what it did is not known. */
  readonly incomplete: boolean;
}

/** Reads a side's binlog for the last change of each key (the sync service provides it in bidirectional mode). */
export interface KeyHistoryReader {
  read(side: SideName, schema: TableSchema, keyTexts: ReadonlySet<string>): Promise<SideHistory>;
}

/** How the reader reaches one side. */
export interface HistorySide {
  /** The replication account (it reads the binlog). */
  readonly replication: MysqlEndpoint;
  /** The service's pool on the side (it writes the end marker in the checkpoint table). */
  readonly pool: Pool;
  readonly database: string;
  /** The replica id of the reading dump: unique among the side's replicas, not the streaming one's. */
  readonly serverId: number;
  /** The direction that writes into this side, named by its source (the marker row's `source_name`). */
  readonly markerSource: SideName;
  readonly heartbeatIntervalMs: number;
  readonly reconnectInitialDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly queryTimeoutMs: number;
}

export class BinlogKeyHistory implements KeyHistoryReader {
  readonly #sides: Readonly<Record<SideName, HistorySide>>;
  readonly #logger: Logger;
  /**
   * The read under way on each side: reads of one side run one after the other, since two dumps with one replica
   * id cut each other off (tables compared at once finish at once).
   */
  readonly #reading: Record<SideName, Promise<unknown>> = {
    local: Promise.resolve(),
    cloud: Promise.resolve(),
  };

  constructor(sides: Readonly<Record<SideName, HistorySide>>, logger: Logger) {
    this.#sides = sides;
    this.#logger = logger.child({ component: 'key-history' });
  }

  read(side: SideName, schema: TableSchema, keyTexts: ReadonlySet<string>): Promise<SideHistory> {
    const read = this.#reading[side].then(() => this.#readNow(side, schema, keyTexts));
    // The next read waits for this one to end, failed or not; its failure is the caller's (`read` rejects).
    this.#reading[side] = read.catch(() => undefined);
    return read;
  }

  async #readNow(side: SideName, schema: TableSchema, keyTexts: ReadonlySet<string>): Promise<SideHistory> {
    const settings = this.#sides[side];
    const startedAt = performance.now();
    const startPosition = await oldestPosition(settings, side);
    const endPosition = await markBinlogEnd(
      settings.pool,
      settings.database,
      settings.markerSource,
      'history',
    );
    const collector = new LastChanges(schema, keyTexts);
    await readUntil(settings, side, schema.name, startPosition, endPosition, collector, this.#logger);
    this.#logger.info(
      {
        side,
        table: schema.name,
        keys: keyTexts.size,
        found: collector.lastChanges.size,
        from: startPosition.toString(),
        to: endPosition.toString(),
        durationMs: Math.round(performance.now() - startedAt),
      },
      'read the binlog for the history of rows on one side only',
    );
    return collector.history;
  }
}

/**
 * Commits a marker row on a side (the service's own: its streams drop it as an echo) and reads the binlog position
 * after it: a dump that reads up to this position is sure to meet a transaction ending there.
 */
export async function markBinlogEnd(
  pool: Pool,
  database: string,
  markerSource: SideName,
  name: string,
): Promise<BinlogPosition> {
  await inWriteTransaction(pool, (connection) =>
    writeMarker(connection, database, markerSource, markerSlot(name)),
  );
  return readCurrentPosition(pool);
}

/** The first position of the oldest binlog file the side keeps. */
async function oldestPosition(settings: HistorySide, side: SideName): Promise<BinlogPosition> {
  const pool = createMysqlPool(settings.replication, { connectionLimit: 1, purpose: `history:${side}` });
  try {
    const [oldest] = await listBinaryLogs(pool);
    if (oldest === undefined) {
      throw new SyncError(
        'SOURCE_SETTINGS_INVALID',
        `the ${side} server lists no binlog file (SHOW BINARY LOGS)`,
      );
    }
    return new BinlogPosition(oldest, 4);
  } finally {
    await pool.end();
  }
}

/** Keeps the last change of each asked key, and when the first transaction read committed. */
class LastChanges {
  readonly #schema: TableSchema;
  readonly #keyTexts: ReadonlySet<string>;
  readonly lastChanges = new Map<string, KeyChange>();
  #windowStart: number | null = null;
  #incomplete = false;

  constructor(schema: TableSchema, keyTexts: ReadonlySet<string>) {
    this.#schema = schema;
    this.#keyTexts = keyTexts;
  }

  get history(): SideHistory {
    return { windowStart: this.#windowStart, lastChanges: this.lastChanges, incomplete: this.#incomplete };
  }

  markIncomplete(): void {
    this.#incomplete = true;
  }

  add(transaction: SourceTransaction): void {
    this.#windowStart ??= transaction.commitTimestamp;
    const at = transaction.commitTimestamp;
    for (const change of transaction.changes) {
      if (change.table !== this.#schema.name) continue;
      const beforeKey =
        change.before === null ? null : primaryKeyText(change.before, this.#schema.primaryKey);
      const afterKey = change.after === null ? null : primaryKeyText(change.after, this.#schema.primaryKey);
      if (beforeKey !== null && beforeKey !== afterKey && this.#keyTexts.has(beforeKey)) {
        this.lastChanges.set(beforeKey, { kind: 'delete', at, deletedRow: change.before, createdAt: null });
      }
      if (afterKey !== null && this.#keyTexts.has(afterKey)) {
        const previous = this.lastChanges.get(afterKey);
        const created = beforeKey !== afterKey;
        const createdAt = created ? at : previous?.kind === 'write' ? previous.createdAt : null;
        this.lastChanges.set(afterKey, { kind: 'write', at, deletedRow: null, createdAt });
      }
    }
  }
}

/** How often the history read reconnects before it gives up. */
const maxReconnects = 3;

/** Streams the side's binlog from `start` and hands each transaction to `collector` until one ends at `end`. */
function readUntil(
  settings: HistorySide,
  side: SideName,
  table: string,
  start: BinlogPosition,
  end: BinlogPosition,
  collector: LastChanges,
  logger: Logger,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let finished = false;
    const finish = (error?: unknown): void => {
      if (finished) return;
      finished = true;
      void source.stop().then(
        () => (error === undefined ? resolve() : reject(wrapReadError(error, side))),
        (stopError: unknown) => reject(wrapReadError(error ?? stopError, side)),
      );
    };
    const handler: BinlogHandler = {
      onTransaction: (transaction) => {
        if (finished) return;
        collector.add(transaction);
        if (transaction.commitPosition.compare(end) >= 0) finish();
      },
      onSchemaChange: () => undefined,
      onIncompleteRowImage: () => collector.markIncomplete(),
      onStatus: (status) => {
        // A read that cannot reach the binlog fails the run's table (the stream would retry for ever).
        if (status.state === 'reconnecting' && status.reconnectAttempt >= maxReconnects) {
          finish(
            new SyncError(
              'FULL_SYNC_FAILED',
              `reading the ${side} binlog for the history of rows failed: ${status.lastError?.message ?? 'the stream broke'}`,
              { details: { side, errorCode: status.lastError?.code } },
            ),
          );
        }
      },
      onFatalError: (error) => finish(error),
    };
    const source = new BinlogSource({
      side,
      endpoint: settings.replication,
      database: settings.database,
      tables: [table],
      serverId: settings.serverId,
      startPosition: start,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      reconnectInitialDelayMs: settings.reconnectInitialDelayMs,
      reconnectMaxDelayMs: settings.reconnectMaxDelayMs,
      queryTimeoutMs: settings.queryTimeoutMs,
      logger,
      handler,
    });
    source.start();
  });
}

function wrapReadError(error: unknown, side: SideName): SyncError {
  if (error instanceof SyncError) return error;
  return new SyncError('FULL_SYNC_FAILED', `reading the ${side} binlog for the history of rows failed`, {
    cause: error,
  });
}
