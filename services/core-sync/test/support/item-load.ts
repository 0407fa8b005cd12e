/**
 * Write loads for the bidirectional load tests: writers that change an `items` table in multi-statement
 * transactions, as an application would, and remember every version they committed, so a test can say exactly
 * what each side must hold afterwards.
 * - `startDisjointLoad`: several connections on one side, each owning its own range of ids (inserts, updates,
 *   primary-key changes, deletes). Nobody else writes those rows, so the last committed version is the truth.
 * - `runContendedLoad`: connections on both sides writing the same rows. Each write takes its stamp from one
 *   `WriteClock` shared by every writer after it has locked the row, so stamps are a total order consistent with
 *   what each side saw: a write's stamp is later than that of any version the row held on that side before.
 */
import mysql from 'mysql2/promise';
import { driverErrorCode } from '../../src/errors/index.js';
import { canonicalValueOptions } from '../../src/mysql/index.js';
import { applicationSessionSetup, type TestDatabase } from './test-database.js';

export const itemsTable = `CREATE TABLE items (
  id INT PRIMARY KEY,
  version INT NOT NULL,
  label VARCHAR(64) NOT NULL,
  amount DECIMAL(12,2) NULL,
  note TEXT NULL,
  updated_at DATETIME(6) NOT NULL
)`;

/** A row of `items` as the test databases return it (DECIMAL and DATETIME as exact text). */
export interface ItemRow {
  readonly id: number;
  readonly version: number;
  readonly label: string;
  readonly amount: string | null;
  readonly note: string | null;
  readonly updated_at: string;
}

const itemColumns = ['id', 'version', 'label', 'amount', 'note', 'updated_at'] as const;

function itemValues(row: ItemRow): (string | number | null)[] {
  return itemColumns.map((column) => row[column]);
}

export async function readItems(database: TestDatabase): Promise<Map<number, ItemRow>> {
  const rows = await database.query<ItemRow>(`SELECT ${itemColumns.join(', ')} FROM items ORDER BY id`);
  return new Map(rows.map((row) => [row.id, { ...row }]));
}

export async function insertItems(database: TestDatabase, rows: readonly ItemRow[]): Promise<void> {
  await database.query(`INSERT INTO items (${itemColumns.join(', ')}) VALUES ?`, [rows.map(itemValues)]);
}

/** mulberry32: a seeded generator, so a failing run can be repeated with the seed its messages name. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let value = this.#state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  }

  below(count: number): number {
    return Math.floor(this.next() * count);
  }

  pick<Item>(items: readonly Item[]): Item {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new RangeError('pick() from an empty list');
    return item;
  }
}

/** Values whose binlog and SELECT forms must hash alike: NULL and '', non-ASCII, 4-byte UTF-8, quotes, long text. */
const notes: readonly (string | null)[] = [
  null,
  '',
  'plain',
  'ünïcödé ñ',
  '😀 four-byte',
  "it's a \\ back'slash",
  'long '.repeat(80),
];

function randomAmount(random: Random): string | null {
  if (random.below(6) === 0) return null;
  return ((random.next() - 0.3) * 100_000).toFixed(2);
}

/** A DATETIME(6) value `tick` microseconds after 2030-01-01: distinct ticks give distinct, ordered values. */
export function stamp(tick: number): string {
  const date = new Date(Date.UTC(2030, 0, 1) + Math.floor(tick / 1_000));
  const micros = date.getUTCMilliseconds() * 1_000 + (tick % 1_000);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${String(micros).padStart(6, '0')}`;
}

/** One counter shared by every writer of a test: the order of all writes to all rows. */
export class WriteClock {
  #tick = 0;

  next(): number {
    this.#tick += 1;
    return this.#tick;
  }
}

/** A deadlock or lock wait timeout: the writer's own transaction was rolled back; it tries another one. */
function isLockConflict(error: unknown): boolean {
  const code = driverErrorCode(error);
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

async function openWriterConnection(database: TestDatabase): Promise<mysql.Connection> {
  const connection = await mysql.createConnection({
    ...database.server,
    database: database.name,
    ...canonicalValueOptions,
  });
  await connection.query(applicationSessionSetup);
  return connection;
}

/**
 * Runs `transaction` in a database transaction; true when it committed, false when a lock conflict rolled it
 * back (other errors are thrown).
 */
async function inTransaction(
  connection: mysql.Connection,
  transaction: () => Promise<void>,
): Promise<boolean> {
  await connection.beginTransaction();
  try {
    await transaction();
    await connection.commit();
    return true;
  } catch (error) {
    await connection.rollback();
    if (isLockConflict(error)) return false;
    throw error;
  }
}

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
      const note = random.pick(notes);
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
      note: this.#random.pick(notes),
      // Microseconds that differ per write; no order is implied between writers.
      updated_at: stamp(version * 1_000 + this.#index),
    };
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
      note: random.pick(notes),
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

/** The rows 1…count as seeded before a contended load, older than any write of it. */
export function seedRows(count: number): ItemRow[] {
  return Array.from({ length: count }, (_, index) => ({
    id: index + 1,
    version: 0,
    label: `seed ${index + 1}`,
    amount: '0.00',
    note: null,
    updated_at: '2020-01-01 00:00:00.000000',
  }));
}
