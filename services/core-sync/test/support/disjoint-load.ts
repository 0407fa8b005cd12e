/**
 * The disjoint write load: several connections on one side, each owning its own range of ids (inserts, updates,
 * primary-key changes, deletes) and remembering the last version of each row it committed — the truth, since
 * nobody else writes those rows.
 */
import type mysql from 'mysql2/promise';
import { itemColumns, itemValues, itemNotes, randomAmount, stamp, type ItemRow } from './item-rows.js';
import { Random } from './seeded-random.js';
import type { TestDatabase } from './test-database.js';
import { inTransaction, openWriterConnection } from './writer-session.js';

export interface WriteLoad {
  /** The last committed version of every row the load's writers own (absent: deleted or never written). */
  rows(): Map<number, ItemRow>;
  /** Transactions committed so far. */
  committed(): number;
  /** Stops writing; resolves when the last transaction finished, rejects when a writer failed. */
  stop(): Promise<void>;
}

export interface DisjointLoadOptions {
  /** Names the writer in labels ('local' or 'cloud'). */
  readonly side: string;
  /** Writer `n` owns the ids `firstId + n * idsPerWriter` up to the next writer's. */
  readonly firstId: number;
  readonly idsPerWriter: number;
  readonly writers: number;
  readonly seed: number;
  /** A pause after each transaction, to hold the rate to what the test needs. */
  readonly pauseMs?: number;
}

/** Writers on one side, each changing only its own rows, until stopped. */
export async function startDisjointLoad(
  database: TestDatabase,
  options: DisjointLoadOptions,
): Promise<WriteLoad> {
  const writers = await Promise.all(
    Array.from({ length: options.writers }, async (_, index) => {
      const connection = await openWriterConnection(database);
      return new DisjointWriter(connection, {
        side: options.side,
        index,
        firstId: options.firstId + index * options.idsPerWriter,
        idCount: options.idsPerWriter,
        random: new Random(options.seed + index),
      });
    }),
  );
  let running = true;
  const loops = writers.map(async (writer) => {
    try {
      while (running) {
        await writer.writeTransaction();
        if (options.pauseMs !== undefined)
          await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
      }
    } finally {
      await writer.close();
    }
  });
  // A failed writer stops the others at once; stop() reports its error.
  const finished = Promise.all(loops).catch((error: unknown) => {
    running = false;
    throw error;
  });
  finished.catch(() => undefined);
  return {
    rows: () => {
      const rows = new Map<number, ItemRow>();
      for (const writer of writers) for (const [id, row] of writer.rows) rows.set(id, row);
      return rows;
    },
    committed: () => writers.reduce((total, writer) => total + writer.committed, 0),
    async stop() {
      running = false;
      await finished;
    },
  };
}

class DisjointWriter {
  readonly rows = new Map<number, ItemRow>();
  committed = 0;
  readonly #connection: mysql.Connection;
  readonly #side: string;
  readonly #index: number;
  readonly #firstId: number;
  readonly #idCount: number;
  readonly #random: Random;
  #version = 0;

  constructor(
    connection: mysql.Connection,
    options: { side: string; index: number; firstId: number; idCount: number; random: Random },
  ) {
    this.#connection = connection;
    this.#side = options.side;
    this.#index = options.index;
    this.#firstId = options.firstId;
    this.#idCount = options.idCount;
    this.#random = options.random;
  }

  async close(): Promise<void> {
    await this.#connection.end();
  }

  /** One transaction of one to four statements; the model learns its changes only once it committed. */
  async writeTransaction(): Promise<void> {
    const pending = new Map<number, ItemRow | null>();
    const committed = await inTransaction(this.#connection, async () => {
      const statements = 1 + this.#random.below(4);
      for (let statement = 0; statement < statements; statement += 1) await this.#writeStatement(pending);
    });
    if (!committed) return;
    for (const [id, row] of pending) {
      if (row === null) this.rows.delete(id);
      else this.rows.set(id, row);
    }
    this.committed += 1;
  }

  async #writeStatement(pending: Map<number, ItemRow | null>): Promise<void> {
    const random = this.#random;
    const current = (id: number): ItemRow | null =>
      pending.has(id) ? (pending.get(id) ?? null) : (this.rows.get(id) ?? null);
    const id = this.#firstId + random.below(this.#idCount);
    const existing = current(id);
    const others = (count: number, present: boolean): number[] =>
      Array.from({ length: count }, () => this.#firstId + random.below(this.#idCount)).filter(
        (other, index, all) =>
          other !== id && all.indexOf(other) === index && (current(other) !== null) === present,
      );
    if (existing === null) {
      const rows = [id, ...others(random.below(3), false)].map((newId) => this.#newRow(newId));
      await this.#connection.query(`INSERT INTO items (${itemColumns.join(', ')}) VALUES ?`, [
        rows.map(itemValues),
      ]);
      for (const row of rows) pending.set(row.id, row);
      return;
    }
    const roll = random.next();
    if (roll < 0.15) {
      const ids = [id, ...others(random.below(2), true)];
      await this.#connection.query('DELETE FROM items WHERE id IN (?)', [ids]);
      for (const deleted of ids) pending.set(deleted, null);
    } else if (roll < 0.22) {
      // A primary-key change: the old key disappears, the new one appears.
      const [newId] = others(3, false);
      if (newId === undefined) return;
      const version = this.#nextVersion();
      await this.#connection.query('UPDATE items SET id = ?, version = ?, label = ? WHERE id = ?', [
        newId,
        version,
        this.#label(version),
        id,
      ]);
      pending.set(id, null);
      pending.set(newId, { ...existing, id: newId, version, label: this.#label(version) });
    } else if (roll < 0.35) {
      // Several rows in one statement, and only some columns.
      const ids = [id, ...others(2, true)];
      const version = this.#nextVersion();
      const note = random.pick(itemNotes);
      await this.#connection.query('UPDATE items SET version = ?, note = ? WHERE id IN (?)', [
        version,
        note,
        ids,
      ]);
      for (const updated of ids) {
        const before = current(updated);
        if (before !== null) pending.set(updated, { ...before, version, note });
      }
    } else {
      const row = this.#newRow(id);
      await this.#connection.query(
        'UPDATE items SET version = ?, label = ?, amount = ?, note = ?, updated_at = ? WHERE id = ?',
        [row.version, row.label, row.amount, row.note, row.updated_at, id],
      );
      pending.set(id, row);
    }
  }

  #nextVersion(): number {
    this.#version += 1;
    return this.#version;
  }

  #label(version: number): string {
    return `${this.#side} writer ${this.#index} v${version}`;
  }

  #newRow(id: number): ItemRow {
    const version = this.#nextVersion();
    return {
      id,
      version,
      label: this.#label(version),
      amount: randomAmount(this.#random),
      note: this.#random.pick(itemNotes),
      // Microseconds that differ per write; no order is implied between writers.
      updated_at: stamp(version * 1_000 + this.#index),
    };
  }
}

/**
 * The disjoint load on both sides of a pair: local's writers own ids from 1, cloud's from `cloudFirstId`, each
 * writer `idsPerWriter` of them; cloud's seed is local's + 10. Resolves with [local's load, cloud's load].
 */
export async function startDisjointLoadsOnBothSides(
  sides: { readonly source: TestDatabase; readonly target: TestDatabase },
  options: {
    readonly cloudFirstId: number;
    readonly idsPerWriter: number;
    readonly writers: number;
    readonly seed: number;
  },
): Promise<WriteLoad[]> {
  const { cloudFirstId, idsPerWriter, writers, seed } = options;
  return Promise.all([
    startDisjointLoad(sides.source, { side: 'local', firstId: 1, idsPerWriter, writers, seed }),
    startDisjointLoad(sides.target, {
      side: 'cloud',
      firstId: cloudFirstId,
      idsPerWriter,
      writers,
      seed: seed + 10,
    }),
  ]);
}
