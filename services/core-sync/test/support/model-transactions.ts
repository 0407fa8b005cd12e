/**
 * Random source transactions over a small key space, for the apply-order model tests (issue 14): rows of `m` meet
 * all the time through the primary key, a case-, accent- and pad-insensitive UNIQUE email and a UNIQUE code.
 *
 * - `transactionArbitrary`: 1–4 commands each (inserts, email changes to another row's spelling, code and id
 *   changes, deletes, delete-and-insert, unique swaps through a temporary value, REPLACE, INSERT … ON DUPLICATE KEY
 *   UPDATE). The source decides what happens: a transaction the source refuses (duplicate key) is rolled back.
 * - `SourceWriter` runs them on one source connection; every row it writes gets a new `payload` (a stamp unique in
 *   the whole test), so a row image the target wrote twice, or one it never got, shows.
 * - `TargetLocks` holds locking reads on the target (REPEATABLE READ: gaps too) while the service applies.
 * - `writeLogs`: triggers that log every row image the source committed and every one the service wrote on the
 *   target (BEFORE INSERT: the service writes rows with INSERT … ON DUPLICATE KEY UPDATE; BEFORE UPDATE of the
 *   id: it moves a row to a new primary key with an UPDATE; the log commits or rolls back with the write).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import mysql from 'mysql2/promise';
import { expect } from 'vitest';
import { driverErrorCode } from '../../src/errors/index.js';
import type { Row } from '../../src/model/index.js';
import type { TestDatabase } from './test-database.js';

export const modelTable = `CREATE TABLE m (
  id INT PRIMARY KEY,
  email VARCHAR(24) COLLATE utf8mb4_unicode_ci NOT NULL UNIQUE,
  code INT NULL UNIQUE,
  payload INT NOT NULL
)`;

/** Source: every row image committed. Target: every row image the service wrote (see the header). */
export const writeLogs = {
  source: `CREATE TABLE source_log (id INT NOT NULL, payload INT NOT NULL);
    CREATE TRIGGER m_inserted AFTER INSERT ON m FOR EACH ROW INSERT INTO source_log VALUES (NEW.id, NEW.payload);
    CREATE TRIGGER m_updated AFTER UPDATE ON m FOR EACH ROW INSERT INTO source_log VALUES (NEW.id, NEW.payload)`,
  target: `CREATE TABLE applied_log (id INT NOT NULL, payload INT NOT NULL, KEY (id, payload));
    CREATE TRIGGER m_applied BEFORE INSERT ON m FOR EACH ROW INSERT INTO applied_log VALUES (NEW.id, NEW.payload);
    CREATE TRIGGER m_moved BEFORE UPDATE ON m FOR EACH ROW
      INSERT INTO applied_log SELECT NEW.id, NEW.payload FROM DUAL WHERE NEW.id <> OLD.id`,
};

const ids = [1, 2, 3, 4, 5, 6];
const codes = [1, 2, 3, 4];
/** Five names, each in spellings utf8mb4_unicode_ci calls equal (case, accents, ß = ss, trailing spaces). */
const emailSpellings = [
  ['ann', 'ANN', 'Ånn', 'ann ', 'àNn'],
  ['bob', 'BOB', 'böb', 'bob  ', 'Bôb'],
  ['cy', 'CY', 'çy', 'cy ', 'Cÿ'],
  ['jess', 'JESS', 'jeß', 'jess ', 'Jéss'],
  ['eve', 'EVE', 'êve', 'eve ', 'Évé'],
];
const emails = emailSpellings.flat();

/** How `takeEmailOf` spells the other row's email: equal under the collation, other bytes (but `same`). */
const spellings = ['same', 'upper', 'lower', 'trailingSpace', 'accent'] as const;
type Spelling = (typeof spellings)[number];
/** SQL expressions respelling a row's own email in place. */
const respellings = {
  upper: 'UPPER(email)',
  lower: 'LOWER(email)',
  trimmed: 'RTRIM(email)',
  padded: "LEFT(CONCAT(RTRIM(email), ' '), 24)",
} as const;

export type ModelCommand =
  | { kind: 'insert' | 'replace' | 'upsert' | 'reinsert'; id: number; email: string; code: number | null }
  | { kind: 'setEmail'; id: number; email: string }
  | { kind: 'takeEmailOf'; id: number; otherId: number; spelling: Spelling }
  | { kind: 'respell'; ids: number[]; spelling: keyof typeof respellings }
  | { kind: 'setCode'; id: number; code: number | null }
  | { kind: 'setId'; id: number; newId: number }
  | { kind: 'touch'; id: number }
  | { kind: 'delete'; ids: number[] }
  | { kind: 'swap'; id: number; otherId: number; column: 'email' | 'code' };

export interface ModelTransaction {
  readonly commands: readonly ModelCommand[];
  /** Pause after it, before the next transaction (most often none). */
  readonly pauseMs: number;
}

export interface TargetLock {
  /** After the start of the run's writes. */
  readonly startAfterMs: number;
  readonly column: 'id' | 'email' | 'code';
  readonly values: readonly (number | string)[];
  readonly holdMs: number;
}

const idArbitrary = fc.constantFrom(...ids);
const codeArbitrary = fc.option(fc.constantFrom(...codes), { nil: null, freq: 4 });
const emailArbitrary = fc.constantFrom(...emails);
const idSetArbitrary = fc.subarray(ids, { minLength: 1, maxLength: 3 });

export const commandArbitrary: fc.Arbitrary<ModelCommand> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom('insert' as const, 'replace' as const, 'upsert' as const, 'reinsert' as const),
      id: idArbitrary,
      email: emailArbitrary,
      code: codeArbitrary,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('setEmail' as const), id: idArbitrary, email: emailArbitrary }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('takeEmailOf' as const),
      id: idArbitrary,
      otherId: idArbitrary,
      spelling: fc.constantFrom(...spellings),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('respell' as const),
      ids: idSetArbitrary,
      spelling: fc.constantFrom(...(Object.keys(respellings) as (keyof typeof respellings)[])),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('setCode' as const), id: idArbitrary, code: codeArbitrary }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('setId' as const), id: idArbitrary, newId: idArbitrary }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('touch' as const), id: idArbitrary }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), ids: idSetArbitrary }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('swap' as const),
      id: idArbitrary,
      otherId: idArbitrary,
      column: fc.constantFrom('email' as const, 'code' as const),
    }),
  },
);

export const transactionArbitrary: fc.Arbitrary<ModelTransaction> = fc.record({
  commands: fc.array(commandArbitrary, { minLength: 1, maxLength: 4 }),
  pauseMs: fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 30 }) },
  ),
});

export const targetLockArbitrary: fc.Arbitrary<TargetLock> = fc.oneof(
  fc.record({
    startAfterMs: fc.integer({ min: 0, max: 100 }),
    column: fc.constant('id' as const),
    values: idSetArbitrary,
    holdMs: fc.integer({ min: 0, max: 400 }),
  }),
  fc.record({
    startAfterMs: fc.integer({ min: 0, max: 100 }),
    column: fc.constant('email' as const),
    values: fc.subarray(emails, { minLength: 1, maxLength: 3 }),
    holdMs: fc.integer({ min: 0, max: 400 }),
  }),
  fc.record({
    startAfterMs: fc.integer({ min: 0, max: 100 }),
    column: fc.constant('code' as const),
    values: fc.subarray(codes, { minLength: 1, maxLength: 2 }),
    holdMs: fc.integer({ min: 0, max: 400 }),
  }),
);

/** What the source made of one transaction: its statements and whether it committed. */
export interface TransactionOutcome {
  readonly statements: readonly string[];
  readonly committed: boolean;
  /** The error that rolled it back. */
  readonly refusal?: string;
}

type SqlValue = string | number | null | number[];
type Statement = readonly [sql: string, values: SqlValue[]];

/** Runs model transactions one after the other on one source connection (see the header). */
export class SourceWriter implements AsyncDisposable {
  readonly #connection: mysql.PoolConnection;
  #stamp = 0;

  private constructor(connection: mysql.PoolConnection) {
    this.#connection = connection;
  }

  static async open(database: TestDatabase): Promise<SourceWriter> {
    return new SourceWriter(await database.pool.getConnection());
  }

  async run(transaction: ModelTransaction): Promise<TransactionOutcome> {
    const connection = this.#connection;
    const statements: string[] = [];
    await connection.query('START TRANSACTION');
    try {
      for (const command of transaction.commands) {
        for (const [sql, values] of await this.#statementsOf(command)) {
          statements.push(connection.format(sql, values));
          await connection.query(sql, values);
        }
      }
      await connection.query('COMMIT');
      return { statements, committed: true };
    } catch (error) {
      await connection.query('ROLLBACK');
      const code = driverErrorCode(error);
      // Only what the source may refuse in the model: a duplicate in one of the three keys.
      if (code !== 'ER_DUP_ENTRY') throw error;
      return { statements, committed: false, refusal: code };
    } finally {
      if (transaction.pauseMs > 0) await sleep(transaction.pauseMs);
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.#connection.release();
    return Promise.resolve();
  }

  #nextStamp(): number {
    this.#stamp += 1;
    return this.#stamp;
  }

  async #statementsOf(command: ModelCommand): Promise<Statement[]> {
    const stamp = this.#nextStamp();
    switch (command.kind) {
      case 'insert':
        return [['INSERT INTO m VALUES (?, ?, ?, ?)', [command.id, command.email, command.code, stamp]]];
      case 'replace':
        return [['REPLACE INTO m VALUES (?, ?, ?, ?)', [command.id, command.email, command.code, stamp]]];
      case 'upsert':
        return [
          [
            `INSERT INTO m VALUES (?, ?, ?, ?)
               ON DUPLICATE KEY UPDATE email = VALUES(email), code = VALUES(code), payload = VALUES(payload)`,
            [command.id, command.email, command.code, stamp],
          ],
        ];
      case 'reinsert':
        return [
          ['DELETE FROM m WHERE id = ?', [command.id]],
          ['INSERT INTO m VALUES (?, ?, ?, ?)', [command.id, command.email, command.code, stamp]],
        ];
      case 'setEmail':
        return [['UPDATE m SET email = ?, payload = ? WHERE id = ?', [command.email, stamp, command.id]]];
      case 'takeEmailOf': {
        const other = (await this.#read([command.otherId]))[0];
        if (other === undefined) return [];
        const email = respell(other.email, command.spelling);
        return [['UPDATE m SET email = ?, payload = ? WHERE id = ?', [email, stamp, command.id]]];
      }
      case 'respell':
        return [
          [
            `UPDATE m SET email = ${respellings[command.spelling]}, payload = ? WHERE id IN (?)`,
            [stamp, command.ids],
          ],
        ];
      case 'setCode':
        return [['UPDATE m SET code = ?, payload = ? WHERE id = ?', [command.code, stamp, command.id]]];
      case 'setId':
        return [['UPDATE m SET id = ?, payload = ? WHERE id = ?', [command.newId, stamp, command.id]]];
      case 'touch':
        return [['UPDATE m SET payload = ? WHERE id = ?', [stamp, command.id]]];
      case 'delete':
        return [['DELETE FROM m WHERE id IN (?)', [command.ids]]];
      case 'swap':
        return this.#swap(command, stamp);
    }
  }

  /** Swaps a unique column of two rows through a temporary value, as an application must. */
  async #swap(command: Extract<ModelCommand, { kind: 'swap' }>, stamp: number): Promise<Statement[]> {
    const rows = await this.#read([command.id, command.otherId]);
    const first = rows.find((row) => row.id === command.id);
    const second = rows.find((row) => row.id === command.otherId);
    if (first === undefined || second === undefined || first.id === second.id) return [];
    const column = command.column;
    const temporary = column === 'email' ? `~swap${stamp}` : -stamp;
    const update = `UPDATE m SET ${column} = ?, payload = ? WHERE id = ?`;
    return [
      [update, [temporary, stamp, first.id]],
      [update, [first[column], stamp, second.id]],
      [update, [second[column], this.#nextStamp(), first.id]],
    ];
  }

  async #read(rowIds: readonly number[]): Promise<{ id: number; email: string; code: number | null }[]> {
    const [rows] = await this.#connection.query('SELECT id, email, code FROM m WHERE id IN (?)', [rowIds]);
    return rows as { id: number; email: string; code: number | null }[];
  }
}

function respell(email: string, spelling: Spelling): string {
  switch (spelling) {
    case 'same':
      return email;
    case 'upper':
      return email.toUpperCase();
    case 'lower':
      return email.toLowerCase();
    case 'trailingSpace':
      return `${email.trimEnd()} `;
    case 'accent':
      return email.replace(/[aeiouy]/iu, (vowel) => `${vowel}\u0301`.normalize('NFC'));
  }
}

/** Holds locking reads on the target's rows of `m` while the service applies (see the header). */
export class TargetLocks implements AsyncDisposable {
  readonly #pool: mysql.Pool;
  /** Locks that waited longer than their lock wait timeout or were chosen as a deadlock victim. */
  refused = 0;
  held = 0;

  constructor(database: TestDatabase) {
    this.#pool = mysql.createPool({ ...database.server, database: database.name, connectionLimit: 6 });
  }

  /** Holds every lock of the plan, each on its own connection; resolves once all are released. */
  async holdAll(locks: readonly TargetLock[]): Promise<void> {
    await Promise.all(locks.map((lock) => this.hold(lock)));
  }

  async hold(lock: TargetLock): Promise<void> {
    await sleep(lock.startAfterMs);
    const connection = await this.#pool.getConnection();
    try {
      // SET SESSION TRANSACTION: MySQL 8 has no tx_isolation variable any more, MariaDB 10.11 no transaction_isolation.
      await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await connection.query('SET SESSION innodb_lock_wait_timeout = 5');
      await connection.query('START TRANSACTION');
      try {
        await connection.query(`SELECT id FROM m WHERE ${lock.column} IN (?) FOR UPDATE`, [lock.values]);
        this.held += 1;
        await sleep(lock.holdMs);
      } catch (error) {
        const code = driverErrorCode(error);
        if (code !== 'ER_LOCK_WAIT_TIMEOUT' && code !== 'ER_LOCK_DEADLOCK') throw error;
        this.refused += 1;
      } finally {
        await connection.query('ROLLBACK');
      }
    } finally {
      connection.release();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#pool.end();
  }
}

/** The rows of `m` with the bytes of the email, in primary-key order. */
export async function modelRows(database: TestDatabase): Promise<Row[]> {
  return database.query<Row>('SELECT id, HEX(email) AS email, code, payload FROM m ORDER BY id');
}

/** Both sides hold the same rows of `m`, byte for byte; the message names what was written. */
export async function expectSameModelRows(
  source: TestDatabase,
  target: TestDatabase,
  message: string,
): Promise<void> {
  const [sourceRows, targetRows] = await Promise.all([modelRows(source), modelRows(target)]);
  expect(targetRows, message).toEqual(sourceRows);
}

/** Row images the service wrote on the target more than once, and ones the source never committed. */
export async function writeLogFindings(
  source: TestDatabase,
  target: TestDatabase,
): Promise<{ appliedTwice: unknown[]; neverCommitted: unknown[]; applied: number }> {
  const appliedTwice = await target.query(
    'SELECT id, payload, COUNT(*) AS writes FROM applied_log GROUP BY id, payload HAVING writes > 1',
  );
  const committed = new Set(
    (await source.query<{ image: string }>("SELECT CONCAT(id, ':', payload) AS image FROM source_log")).map(
      (row) => row.image,
    ),
  );
  const applied = await target.query<{ image: string }>(
    "SELECT DISTINCT CONCAT(id, ':', payload) AS image FROM applied_log",
  );
  return {
    appliedTwice,
    neverCommitted: applied.filter((row) => !committed.has(row.image)),
    applied: applied.length,
  };
}
