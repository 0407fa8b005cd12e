/**
 * The contended write load: connections on both sides writing the same rows, each write stamped from one
 * `WriteClock` after it locked the row, so stamps are a total order consistent with what each side saw.
 */
import type mysql from 'mysql2/promise';
import { itemColumns, itemValues, itemNotes, randomAmount, stamp, type ItemRow } from './item-rows.js';
import { Random } from './seeded-random.js';
import type { TestDatabase } from './test-database.js';
import { inTransaction, openWriterConnection } from './writer-session.js';

/** One counter shared by every writer of a test: the order of all writes to all rows. */
export class WriteClock {
  #tick = 0;

  next(): number {
    this.#tick += 1;
    return this.#tick;
  }
}

/** One committed write of a contended load: the row's new version, or null for a delete. */
export interface ContendedWrite {
  readonly side: 'local' | 'cloud';
  readonly id: number;
  readonly tick: number;
  readonly row: ItemRow | null;
}

export interface ContendedLoadOptions {
  readonly databases: Readonly<Record<'local' | 'cloud', TestDatabase>>;
  /** The rows every writer picks from. */
  readonly ids: readonly number[];
  readonly writersPerSide: number;
  /** The share of writes to a present row that delete it (a writer inserts a row it finds absent). */
  readonly deleteShare: number;
  readonly durationMs: number;
  readonly seed: number;
  readonly clock: WriteClock;
}

/**
 * Writers on both sides changing the same rows for `durationMs`: each transaction locks one to three rows
 * (`SELECT … FOR UPDATE`, in key order), then stamps and writes each. Resolves with every committed write.
 */
export async function runContendedLoad(options: ContendedLoadOptions): Promise<ContendedWrite[]> {
  const writes: ContendedWrite[] = [];
  const deadline = Date.now() + options.durationMs;
  const sides = ['local', 'cloud'] as const;
  const writers = sides.flatMap((side, sideIndex) =>
    Array.from({ length: options.writersPerSide }, (_, index) => ({
      side,
      database: options.databases[side],
      random: new Random(options.seed + sideIndex * 100 + index),
    })),
  );
  await Promise.all(
    writers.map(async ({ side, database, random }) => {
      const connection = await openWriterConnection(database);
      try {
        while (Date.now() < deadline) {
          const pending: ContendedWrite[] = [];
          const committed = await inTransaction(connection, async () => {
            const ids = [
              ...new Set(Array.from({ length: 1 + random.below(3) }, () => random.pick(options.ids))),
            ];
            ids.sort((left, right) => left - right);
            const [locked] = await connection.query<mysql.RowDataPacket[]>(
              'SELECT id FROM items WHERE id IN (?) ORDER BY id FOR UPDATE',
              [ids],
            );
            const present = new Set(locked.map((row) => Number(row.id)));
            for (const id of ids) {
              pending.push(await writeContended(connection, random, side, id, present.has(id)));
            }
          });
          if (committed) writes.push(...pending);
        }
      } finally {
        await connection.end();
      }
    }),
  );

  async function writeContended(
    connection: mysql.Connection,
    random: Random,
    side: 'local' | 'cloud',
    id: number,
    present: boolean,
  ): Promise<ContendedWrite> {
    const tick = options.clock.next();
    if (present && random.next() < options.deleteShare) {
      await connection.query('DELETE FROM items WHERE id = ?', [id]);
      return { side, id, tick, row: null };
    }
    const row: ItemRow = {
      id,
      version: tick,
      label: `${side} t${tick}`,
      amount: randomAmount(random),
      note: random.pick(itemNotes),
      updated_at: stamp(tick),
    };
    if (present) {
      await connection.query(
        'UPDATE items SET version = ?, label = ?, amount = ?, note = ?, updated_at = ? WHERE id = ?',
        [row.version, row.label, row.amount, row.note, row.updated_at, id],
      );
    } else {
      await connection.query(`INSERT INTO items (${itemColumns.join(', ')}) VALUES (?)`, [itemValues(row)]);
    }
    return { side, id, tick, row };
  }

  return writes;
}
