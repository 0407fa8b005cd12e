/**
 * The assembler on event sequences as MariaDB 10.11 and MySQL 8 write them, XA transactions above all (what the
 * servers log is described in transaction-assembler.ts; the db tests check it against a real MariaDB).
 */
import { describe, expect, it } from 'vitest';
import { BinlogPosition, type RowChange } from '../model/index.js';
import { createGtidTracker } from './gtid-tracker.js';
import { PreparedTransactions } from './prepared-transactions.js';
import type { StreamEvent } from './stream-event.js';
import { TransactionAssembler, type AssembledTransaction, type XaDecision } from './transaction-assembler.js';
import { formatXid } from './xa-statement.js';

const database = 'shop';
const file = 'binlog.000001';
const startPosition = new BinlogPosition(file, 256, '0-1-10');
const preparedAt = 1_700_000_000_000;
const decidedAt = preparedAt + 60_000;

const insertItem = (id: number): RowChange => ({
  kind: 'insert',
  table: 'items',
  before: null,
  after: { id, name: `item ${id}` },
});

/** Builds the events of a binlog, advancing the offset by 100 per event. */
class BinlogWriter {
  readonly events: StreamEvent[] = [];
  #offset = startPosition.offset;
  #sequence = 10;

  /** The position after the last event written (with no GTID: compare by file and offset). */
  get offset(): number {
    return this.#offset;
  }

  #next(): number {
    this.#offset += 100;
    return this.#offset;
  }

  /** A GTID event; MariaDB says whether the group is standalone, MySQL (null) does not. */
  groupStart(standalone: boolean | null, timestamp = preparedAt): this {
    this.#sequence += 1;
    this.events.push({ kind: 'group-start', gtid: `0-1-${this.#sequence}`, standalone, timestamp });
    return this;
  }

  query(statement: string, timestamp = preparedAt): this {
    this.events.push({ kind: 'query', statement, schema: database, nextPosition: this.#next(), timestamp });
    return this;
  }

  rows(table: string, ...changes: RowChange[]): this {
    this.events.push({ kind: 'rows', database, table, changes, timestamp: preparedAt });
    this.#next();
    return this;
  }

  commit(timestamp = preparedAt): this {
    this.events.push({ kind: 'commit', nextPosition: this.#next(), timestamp });
    return this;
  }

  xaPrepare(xid: string, onePhase = false, timestamp = preparedAt): this {
    this.events.push({ kind: 'xa-prepare', xid, onePhase, nextPosition: this.#next(), timestamp });
    return this;
  }

  rotate(newFile: string): this {
    this.events.push({ kind: 'rotate', file: newFile });
    this.#offset = 4;
    return this;
  }

  /** MariaDB: GTID (XA flagged), rows, `XA END`, XA_PREPARE. */
  mariadbPrepared(xid: string, ...changes: RowChange[]): this {
    return this.groupStart(false)
      .rows('items', ...changes)
      .query(`XA END ${xid}`)
      .xaPrepare(xid);
  }

  /** MariaDB and MySQL: a standalone GTID group with the decision. */
  decision(statement: string, standalone: boolean | null = true): this {
    return this.groupStart(standalone, decidedAt).query(statement, decidedAt);
  }

  ordinary(...changes: RowChange[]): this {
    return this.groupStart(false)
      .rows('items', ...changes)
      .commit();
  }
}

interface Run {
  readonly assembler: TransactionAssembler;
  readonly transactions: AssembledTransaction[];
  readonly decisions: XaDecision[];
  /** The held position after each event. */
  readonly heldPositions: (string | null)[];
}

function assemble(
  events: readonly StreamEvent[],
  options: { start?: BinlogPosition; store?: PreparedTransactions } = {},
): Run {
  const transactions: AssembledTransaction[] = [];
  const decisions: XaDecision[] = [];
  const start = options.start ?? startPosition;
  const assembler = new TransactionAssembler({
    database,
    tables: ['items'],
    markerTable: '_marker',
    startPosition: start,
    gtidTracker: createGtidTracker('mariadb', start.gtid),
    ...(options.store === undefined ? {} : { preparedTransactions: options.store }),
    sink: {
      transaction: (transaction) => transactions.push(transaction),
      schemaChange: () => undefined,
      xaDecided: (decision) => decisions.push(decision),
    },
  });
  const heldPositions: (string | null)[] = [];
  for (const event of events) {
    assembler.accept(event);
    heldPositions.push(assembler.preparedTransactions.restartPosition?.toString() ?? null);
  }
  return { assembler, transactions, decisions, heldPositions };
}

const withChanges = (run: Run) => run.transactions.filter((transaction) => transaction.changes.length > 0);

const xidOne = formatXid(1, Buffer.from('x1'), Buffer.alloc(0));

describe('TransactionAssembler: XA transactions', () => {
  it('holds a prepared transaction and hands it on at XA COMMIT, at the commit group position and time', () => {
    const binlog = new BinlogWriter().ordinary(insertItem(1));
    const beforePrepare = new BinlogPosition(file, binlog.offset, '0-1-11');
    binlog.mariadbPrepared(xidOne, insertItem(2), insertItem(3));
    const afterPrepare = binlog.offset;
    binlog.decision(`XA COMMIT ${xidOne}`);
    const run = assemble(binlog.events);

    expect(withChanges(run).map((transaction) => transaction.changes)).toEqual([
      [insertItem(1)],
      [insertItem(2), insertItem(3)],
    ]);
    const committed = run.transactions.at(-1);
    expect(committed?.commitPosition.toString()).toBe(`${file}:${binlog.offset}@0-1-13`);
    expect(committed?.commitTimestamp).toBe(decidedAt);
    // The prepare group itself hands on nothing but its position.
    expect(
      run.transactions.map((transaction) => [transaction.commitPosition.offset, transaction.changes.length]),
    ).toEqual([
      [beforePrepare.offset, 1],
      [afterPrepare, 0],
      [binlog.offset, 2],
    ]);
    // Held from the XA_PREPARE event until the XA COMMIT; the restart point is the prepare group's start.
    expect(run.heldPositions.slice(-6)).toEqual([
      null,
      null,
      null,
      beforePrepare.toString(),
      beforePrepare.toString(),
      null,
    ]);
    expect(run.decisions).toMatchObject([{ xid: xidOne, outcome: 'commit', prepared: { xid: xidOne } }]);
    expect(run.assembler.preparedTransactions.count).toBe(0);
  });

  it('drops a prepared transaction at XA ROLLBACK, and the position still advances', () => {
    const binlog = new BinlogWriter()
      .mariadbPrepared(xidOne, insertItem(2))
      .decision(`XA ROLLBACK ${xidOne}`);
    const run = assemble(binlog.events);
    expect(withChanges(run)).toEqual([]);
    expect(run.transactions.at(-1)?.commitPosition.toString()).toBe(`${file}:${binlog.offset}@0-1-12`);
    expect(run.assembler.position.offset).toBe(binlog.offset);
    expect(run.decisions).toMatchObject([{ outcome: 'rollback', prepared: { changes: [insertItem(2)] } }]);
    expect(run.assembler.preparedTransactions.count).toBe(0);
  });

  it('applies XA COMMIT … ONE PHASE: an ordinary transaction on MariaDB, a one-phase XA_PREPARE on MySQL', () => {
    const mariadb = new BinlogWriter().ordinary(insertItem(3));
    const mysql = new BinlogWriter()
      .groupStart(null)
      .query(`XA START ${xidOne}`)
      .rows('items', insertItem(3))
      .query(`XA END ${xidOne}`)
      .xaPrepare(xidOne, true);
    for (const binlog of [mariadb, mysql]) {
      const run = assemble(binlog.events);
      expect(run.transactions.map((transaction) => transaction.changes)).toEqual([[insertItem(3)]]);
      expect(run.transactions[0]?.commitPosition.offset).toBe(binlog.offset);
      expect(run.assembler.preparedTransactions.count).toBe(0);
    }
  });

  it("reads MySQL's groups: XA START opens the group, XA COMMIT X'…' decides it", () => {
    const binlog = new BinlogWriter()
      .groupStart(null)
      .query(`XA START ${xidOne}`)
      .rows('items', insertItem(4))
      .query(`XA END ${xidOne}`)
      .xaPrepare(xidOne)
      .decision(`XA COMMIT ${xidOne}`, null);
    const run = assemble(binlog.events);
    expect(run.transactions.map((transaction) => transaction.changes)).toEqual([[], [insertItem(4)]]);
    expect(run.transactions[1]?.commitPosition.offset).toBe(binlog.offset);
  });

  it('matches an xid with gtrid, bqual and format id however the decision spells it', () => {
    const spellings: [string, Buffer, Buffer, number][] = [
      ["XA COMMIT 'a','b',7", Buffer.from('a'), Buffer.from('b'), 7],
      ["XA COMMIT X'00ff27',X'5c',0", Buffer.from([0x00, 0xff, 0x27]), Buffer.from('\\'), 0],
      ["XA COMMIT 'it''s'", Buffer.from("it's"), Buffer.alloc(0), 1],
      ["XA COMMIT 0x616263, b'01100010', 0x10", Buffer.from('abc'), Buffer.from('b'), 16],
    ];
    for (const [statement, gtrid, bqual, formatId] of spellings) {
      const binlog = new BinlogWriter()
        .mariadbPrepared(formatXid(formatId, gtrid, bqual), insertItem(5))
        .decision(statement);
      const run = assemble(binlog.events);
      expect([statement, withChanges(run).map((transaction) => transaction.changes)]).toEqual([
        statement,
        [[insertItem(5)]],
      ]);
    }
  });

  it('keeps the restart point at the oldest undecided transaction while others come and go', () => {
    const xidTwo = formatXid(1, Buffer.from('x2'), Buffer.alloc(0));
    const binlog = new BinlogWriter();
    const beforeFirst = binlog.offset;
    binlog.mariadbPrepared(xidOne, insertItem(1));
    const beforeSecond = binlog.offset;
    binlog.mariadbPrepared(xidTwo, insertItem(2)).ordinary(insertItem(3));
    const heldBeforeDecisions = binlog.events.length;
    binlog.decision(`XA COMMIT ${xidTwo}`);
    const heldAfterSecond = binlog.events.length;
    binlog.decision(`XA ROLLBACK ${xidOne}`);
    const run = assemble(binlog.events);

    expect(run.heldPositions[heldBeforeDecisions - 1]).toBe(`${file}:${beforeFirst}@0-1-10`);
    expect(run.heldPositions[heldAfterSecond - 1]).toBe(`${file}:${beforeFirst}@0-1-10`);
    expect(run.heldPositions.at(-1)).toBeNull();
    expect(beforeSecond).toBeGreaterThan(beforeFirst);
    expect(withChanges(run).map((transaction) => transaction.changes)).toEqual([
      [insertItem(3)],
      [insertItem(2)],
    ]);
  });

  it('after a restart at the held position, holds the re-read group again and hands it on once decided', () => {
    const binlog = new BinlogWriter().ordinary(insertItem(1));
    const prepareGroupStart = { offset: binlog.offset, eventIndex: binlog.events.length };
    binlog.mariadbPrepared(xidOne, insertItem(2)).ordinary(insertItem(3));
    const first = assemble(binlog.events);
    const restartPosition = first.assembler.preparedTransactions.restartPosition;
    expect(restartPosition?.toString()).toBe(`${file}:${prepareGroupStart.offset}@0-1-11`);

    // A new process: nothing held in memory; the stream starts at the held position, where the prepare group's
    // GTID event is, and the commit follows later.
    binlog.decision(`XA COMMIT ${xidOne}`);
    const reread = binlog.events.slice(prepareGroupStart.eventIndex);
    const second = assemble(reread, { start: restartPosition ?? startPosition });
    expect(second.heldPositions.slice(0, 4)).toEqual([null, null, null, restartPosition?.toString()]);
    expect(second.heldPositions.at(-3)).toBe(restartPosition?.toString());
    expect(
      withChanges(second).map((transaction) => [transaction.changes, transaction.commitPosition.toString()]),
    ).toEqual([
      // Read again, already applied: the apply engine's checkpoints skip it by its commit position.
      [[insertItem(3)], first.transactions.at(-1)?.commitPosition.toString()],
      [[insertItem(2)], `${file}:${binlog.offset}@0-1-14`],
    ]);
    expect(second.assembler.preparedTransactions.count).toBe(0);
  });

  it('keeps what was held across a reconnect (a shared store); a group read twice is held once', () => {
    const store = new PreparedTransactions();
    const binlog = new BinlogWriter().mariadbPrepared(xidOne, insertItem(2));
    const first = assemble(binlog.events, { store });
    const afterPrepare = first.assembler.position;
    // The stream broke before the prepare group was handed on: the next one starts before it again.
    assemble(binlog.events, { store });
    expect(store.count).toBe(1);
    binlog.decision(`XA COMMIT ${xidOne}`);
    const resumed = assemble(binlog.events.slice(-2), { start: afterPrepare, store });
    expect(withChanges(resumed).map((transaction) => transaction.changes)).toEqual([[insertItem(2)]]);
    expect(store.count).toBe(0);
  });

  it('hands on an XA COMMIT whose prepare was never read as an empty transaction, and tells the sink', () => {
    const binlog = new BinlogWriter().decision(`XA COMMIT ${xidOne}`);
    const run = assemble(binlog.events);
    expect(run.transactions.map((transaction) => transaction.changes)).toEqual([[]]);
    expect(run.transactions[0]?.commitPosition.offset).toBe(binlog.offset);
    expect(run.decisions).toEqual([
      { xid: xidOne, outcome: 'commit', prepared: undefined, position: run.transactions[0]?.commitPosition },
    ]);
  });

  it('commits after a server restart in the next binlog file, and drops an echo whole', () => {
    const binlog = new BinlogWriter()
      .mariadbPrepared(xidOne, insertItem(2))
      .rotate('binlog.000002')
      .decision(`XA COMMIT ${xidOne}`);
    const run = assemble(binlog.events);
    expect(run.transactions.at(-1)?.commitPosition.toString()).toBe(`binlog.000002:${binlog.offset}@0-1-12`);
    expect(run.transactions.at(-1)?.changes).toEqual([insertItem(2)]);

    const echo = new BinlogWriter()
      .groupStart(false)
      .rows('items', insertItem(6))
      .rows('_marker', insertItem(0))
      .query(`XA END ${xidOne}`)
      .xaPrepare(xidOne)
      .decision(`XA COMMIT ${xidOne}`);
    const echoRun = assemble(echo.events);
    expect(echoRun.transactions.at(-1)).toMatchObject({ changes: [], echo: true });
  });
});
