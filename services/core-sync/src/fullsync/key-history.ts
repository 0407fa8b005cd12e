/**
 * What a side's binlog says about some rows of a table: the last change of each key it still holds, read from the
 * oldest binlog file the server keeps up to now, when that file begins, and the last statement that replaced the
 * table's rows (last-changes.ts). A full sync asks it about rows it found on one side only (one-sided-rows.ts
 * decides from the answers of both sides).
 *
 * The read is a dump of its own (a replica id of its own, next to the streaming one). It ends at a marker row the
 * reader commits on the side before it starts (the streams drop it as the service's own), with a token of its own
 * that the dump finds in the marker's row (history-read.ts): the read ends on that transaction whatever the binlog
 * did meanwhile (rotated, or logged nothing else). It stops when the run stops, and fails when it makes no progress.
 */
import { randomUUID } from 'node:crypto';
import { listBinaryLogs } from '../binlog/index.js';
import { SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import { BinlogPosition, type SideName, type TableSchema } from '../model/index.js';
import { createMysqlPool } from '../mysql/index.js';
import { markerSlot, writeEndMarker } from '../target/index.js';
import { readUntilEndMarker, type HistorySide } from './history-read.js';
import { LastChanges, type SideHistory } from './last-changes.js';

export type { HistorySide } from './history-read.js';
export type { KeyChange, SideHistory, TableReplacement } from './last-changes.js';

/** Reads a side's binlog for the last change of each key (the sync service provides it in bidirectional mode). */
export interface KeyHistoryReader {
  /** Rejects when `signal` aborts (the run was stopped), promptly, with the dump stopped. */
  read(
    side: SideName,
    schema: TableSchema,
    keyTexts: ReadonlySet<string>,
    signal: AbortSignal,
  ): Promise<SideHistory>;
}

/** The marker slot a history read ends at (one row per side; each read writes its own token into it). */
export const historyEndSlot = markerSlot('history');

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

  read(
    side: SideName,
    schema: TableSchema,
    keyTexts: ReadonlySet<string>,
    signal: AbortSignal,
  ): Promise<SideHistory> {
    const read = this.#reading[side].then(() => this.#readNow(side, schema, keyTexts, signal));
    // The next read waits for this one to end, failed or not; its failure is the caller's (`read` rejects).
    this.#reading[side] = read.catch(() => undefined);
    return read;
  }

  async #readNow(
    side: SideName,
    schema: TableSchema,
    keyTexts: ReadonlySet<string>,
    signal: AbortSignal,
  ): Promise<SideHistory> {
    const settings = this.#sides[side];
    const startedAt = performance.now();
    const startPosition = await oldestPosition(settings, side);
    const token = randomUUID();
    await writeEndMarker(settings.pool, settings.database, settings.markerSource, historyEndSlot, token);
    const collector = new LastChanges(schema, keyTexts);
    await readUntilEndMarker({
      settings,
      side,
      schema,
      startPosition,
      endMarker: { slot: historyEndSlot, token },
      collector,
      signal,
      logger: this.#logger,
    });
    const { history } = collector;
    this.#logger.info(
      {
        side,
        table: schema.name,
        keys: keyTexts.size,
        found: history.lastChanges.size,
        from: startPosition.toString(),
        lastReplacement: history.lastReplacement?.statement.slice(0, 200),
        durationMs: Math.round(performance.now() - startedAt),
      },
      'read the binlog for the history of rows on one side only',
    );
    return history;
  }
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
