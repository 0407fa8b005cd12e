/**
 * Groups binlog events into source transactions. Pure: no I/O, no timers (binlog-source.ts adds those).
 *
 * A group starts at a GTID event (MariaDB; MySQL) or a `BEGIN` QUERY event, collects the row changes of the
 * configured tables, and ends at its commit: an XID event, a `COMMIT`/`ROLLBACK` QUERY event (MariaDB writes
 * `COMMIT` for non-transactional tables; rows logged before a `ROLLBACK` were not undone), or — for a standalone
 * group such as DDL — its single statement. Every ended group is handed to the sink, also without relevant changes,
 * so positions advance; a group that wrote to the marker table is handed on as an echo with no changes.
 *
 *   (between groups) ──GTID / BEGIN──> (open group) ──XID / COMMIT / ROLLBACK / standalone statement──> sink
 *          ^                                                                                             │
 *          └─────────────────────────────────────────────────────────────────────────────────────────────┘
 *
 * The commit position is the file of the latest rotate and the commit event's end offset, with the GTID state
 * after the group (gtid-tracker.ts).
 *
 * XA transactions (MariaDB and MySQL log them alike; MariaDB marks the GTID event too):
 *
 *   GTID, [XA START xid], rows…, XA END xid, XA_PREPARE(xid)   prepared: its changes are held (prepared-transactions.ts)
 *   GTID, XA COMMIT xid                                       the held changes are handed on as one transaction
 *   GTID, XA ROLLBACK xid                                     the held changes are dropped
 *
 * Each of these groups advances the position like any other (an empty transaction is handed on for the PREPARE
 * and ROLLBACK groups); a committed XA transaction's commit position and timestamp are those of its XA COMMIT group.
 * `XA COMMIT … ONE PHASE` is an ordinary transaction on MariaDB, and an XA_PREPARE event with `onePhase` on MySQL.
 * The held transactions outlive one stream (they are kept by the caller across reconnects); a restart must read
 * from the store's `restartPosition` to see them again.
 */
import { BinlogPosition, type RowChange } from '../model/index.js';
import { shadowTableBase, tablesChangedByStatement } from './ddl-parser.js';
import type { GtidTracker } from './gtid-tracker.js';
import { PreparedTransactions, type PreparedTransaction } from './prepared-transactions.js';
import type { IncompleteTable, QueryStreamEvent, StreamEvent, XaPrepareStreamEvent } from './stream-event.js';
import { parseXaStatement, type XaStatement, type XidText } from './xa-statement.js';

export interface AssembledTransaction {
  readonly commitPosition: BinlogPosition;
  /** Commit time on the source (ms since epoch, second precision). */
  readonly commitTimestamp: number;
  /** Changes to the configured tables in binlog order; empty for echoes. */
  readonly changes: RowChange[];
  /** True when the group wrote to the marker table (the service's own applied writes): dropped whole. */
  readonly echo: boolean;
  /**
   * Tables whose row images in this group lack columns (the writing session's `binlog_row_image` was not FULL),
   * with the missing columns. Their changes are left out of `changes`: they cannot be applied as if whole.
   */
  readonly incompleteTables: readonly IncompleteTable[];
}

export interface AssembledSchemaChange {
  /** The configured tables the statement changes (several for RENAME a TO b). */
  readonly tables: string[];
  /**
   * Shadow tables of configured ones the statement changes, and their table (an online schema change tool's copy:
   * ddl-parser.ts `shadowTableBase`), where it does not name the configured table itself.
   */
  readonly shadows: readonly { readonly table: string; readonly shadowTable: string }[];
  readonly statement: string;
  /** The position after the statement. */
  readonly position: BinlogPosition;
  /** When the statement ran on the source (ms since epoch, second precision). */
  readonly timestamp: number;
}

/** An `XA COMMIT` or `XA ROLLBACK` (told to the sink before the transaction it hands on). */
export interface XaDecision {
  readonly xid: XidText | null;
  readonly outcome: 'commit' | 'rollback';
  /** The held transaction it decides; undefined when its XA PREPARE was not read (before the start position). */
  readonly prepared: PreparedTransaction | undefined;
  /** The position after the decision. */
  readonly position: BinlogPosition;
}

export interface AssemblerSink {
  transaction(transaction: AssembledTransaction): void;
  schemaChange(change: AssembledSchemaChange): void;
  /** An XA transaction was prepared (its changes are held until decided). */
  xaPrepared?(prepared: PreparedTransaction): void;
  xaDecided?(decision: XaDecision): void;
}

export interface TransactionAssemblerOptions {
  readonly database: string;
  readonly tables: readonly string[];
  readonly markerTable?: string | undefined;
  /** Where the stream starts (a group boundary): its file is the current file until the first rotate. */
  readonly startPosition: BinlogPosition;
  readonly gtidTracker: GtidTracker;
  readonly sink: AssemblerSink;
  /** Where prepared XA transactions are held; pass the same store to the next assembler after a reconnect. */
  readonly preparedTransactions?: PreparedTransactions;
}

interface OpenGroup {
  readonly gtid: string | null;
  /** true: ends with its single statement; false: ends with a commit; null: not known yet (MySQL GTID). */
  standalone: boolean | null;
  readonly changes: RowChange[];
  echo: boolean;
  /** Synced tables whose row images lacked columns, and the columns. */
  readonly incomplete: Map<string, Set<string>>;
}

/**
 * What a group hands on: its changes, but none of a table whose row images lacked columns (none of them may be
 * applied alone), and those tables. An echo hands on nothing.
 */
function groupContents(group: OpenGroup | null): {
  changes: RowChange[];
  incompleteTables: IncompleteTable[];
} {
  if (group === null || group.echo) return { changes: [], incompleteTables: [] };
  const incomplete = group.incomplete;
  return {
    changes:
      incomplete.size === 0 ? group.changes : group.changes.filter((change) => !incomplete.has(change.table)),
    incompleteTables: [...incomplete.entries()].map(([table, columns]) => ({
      table,
      missingColumns: [...columns],
    })),
  };
}

export class TransactionAssembler {
  readonly #database: string;
  readonly #tables: ReadonlySet<string>;
  readonly #markerTable: string | undefined;
  readonly #gtidTracker: GtidTracker;
  readonly #sink: AssemblerSink;
  readonly #prepared: PreparedTransactions;
  #file: string;
  #position: BinlogPosition;
  #group: OpenGroup | null = null;

  constructor(options: TransactionAssemblerOptions) {
    this.#database = options.database;
    this.#tables = new Set(options.tables);
    this.#markerTable = options.markerTable;
    this.#gtidTracker = options.gtidTracker;
    this.#sink = options.sink;
    this.#prepared = options.preparedTransactions ?? new PreparedTransactions();
    this.#file = options.startPosition.file;
    this.#position = options.startPosition;
  }

  /** The position after the last group that ended (a safe place to resume from). */
  get position(): BinlogPosition {
    return this.#position;
  }

  /** True while a group has started and not ended. */
  get inGroup(): boolean {
    return this.#group !== null;
  }

  /** The XA transactions prepared and not yet decided. */
  get preparedTransactions(): PreparedTransactions {
    return this.#prepared;
  }

  accept(event: StreamEvent): void {
    switch (event.kind) {
      case 'rotate':
        this.#file = event.file;
        return;
      case 'group-start':
        // A group that never saw its end (cannot happen in a well-formed binlog) is discarded: it had no commit.
        this.#group = {
          gtid: event.gtid,
          standalone: event.standalone,
          changes: [],
          echo: false,
          incomplete: new Map(),
        };
        return;
      case 'query':
        this.#acceptQuery(event);
        return;
      case 'commit':
        this.#endGroup(event.nextPosition, event.timestamp);
        return;
      case 'xa-prepare':
        this.#acceptXaPrepare(event);
        return;
      case 'rows': {
        if (event.database !== this.#database) return;
        const group = this.#currentGroup();
        if (event.table === this.#markerTable) {
          group.echo = true;
          group.changes.length = 0;
        } else if (!group.echo && this.#tables.has(event.table)) {
          if (event.missingColumns !== undefined && event.missingColumns.length > 0) {
            const missing = group.incomplete.get(event.table) ?? new Set<string>();
            for (const column of event.missingColumns) missing.add(column);
            group.incomplete.set(event.table, missing);
          }
          for (const change of event.changes) group.changes.push(change);
        }
        return;
      }
      case 'heartbeat':
      case 'skipped':
        return;
    }
  }

  #acceptQuery(event: QueryStreamEvent): void {
    const statement = event.statement.trim();
    const keyword = statement.toUpperCase();
    if (keyword === 'BEGIN') {
      const group = this.#currentGroup();
      group.standalone = false;
      return;
    }
    if (keyword === 'COMMIT' || keyword === 'ROLLBACK') {
      this.#endGroup(event.nextPosition, event.timestamp);
      return;
    }
    const xaStatement = parseXaStatement(statement);
    if (xaStatement !== null) {
      this.#acceptXaStatement(xaStatement, event);
      return;
    }
    const named = tablesChangedByStatement(statement, event.schema)
      .filter((table) => table.database === this.#database)
      .map((table) => table.table);
    // Once each: a swap (`RENAME TABLE t TO t_old, t_new TO t`) names a table twice.
    const changedTables = [...new Set(named.filter((table) => this.#tables.has(table)))];
    const shadows = named.flatMap((shadowTable) => {
      const table = shadowTableBase(shadowTable);
      return table !== undefined && this.#tables.has(table) && !changedTables.includes(table)
        ? [{ table, shadowTable }]
        : [];
    });
    const endsGroup = this.#group === null || this.#group.standalone !== false;
    if (!endsGroup) {
      // A statement inside a transaction (CREATE TABLE … SELECT, SAVEPOINT…): the group goes on.
      if (changedTables.length > 0 || shadows.length > 0) {
        this.#sink.schemaChange({
          tables: changedTables,
          shadows,
          statement,
          position: this.#position,
          timestamp: event.timestamp,
        });
      }
      return;
    }
    const group = this.#closeGroup(event.nextPosition);
    if (changedTables.length > 0 || shadows.length > 0) {
      this.#sink.schemaChange({
        tables: changedTables,
        shadows,
        statement,
        position: this.#position,
        timestamp: event.timestamp,
      });
    }
    this.#handOn(group, event.timestamp);
  }

  #acceptXaStatement(xaStatement: XaStatement, event: QueryStreamEvent): void {
    switch (xaStatement.verb) {
      case 'start': {
        // MySQL's group of an XA transaction starts with it (MariaDB's GTID event already said so).
        const group = this.#currentGroup();
        group.standalone = false;
        return;
      }
      case 'end':
      case 'prepare':
      case 'recover':
        // Inside the group; XA_PREPARE (an event of its own) ends it.
        return;
      case 'commit':
        if (xaStatement.onePhase && this.#group?.standalone === false) {
          this.#endGroup(event.nextPosition, event.timestamp);
          return;
        }
        this.#decide(xaStatement.xid, 'commit', event);
        return;
      case 'rollback':
        this.#decide(xaStatement.xid, 'rollback', event);
        return;
    }
  }

  /** The end of an XA transaction's group: held until decided, or (one phase) committed now. */
  #acceptXaPrepare(event: XaPrepareStreamEvent): void {
    if (event.onePhase) {
      this.#endGroup(event.nextPosition, event.timestamp);
      return;
    }
    const restartPosition = this.#position;
    const group = this.#closeGroup(event.nextPosition);
    const prepared: PreparedTransaction = {
      xid: event.xid,
      ...groupContents(group),
      echo: group?.echo ?? false,
      restartPosition,
      preparedPosition: this.#position,
      preparedAt: event.timestamp,
    };
    this.#prepared.hold(prepared);
    this.#sink.xaPrepared?.(prepared);
    // Nothing is committed yet, but the position moves on.
    this.#handOn(null, event.timestamp);
  }

  /** An `XA COMMIT`/`XA ROLLBACK` group (a statement of its own): hands on or drops what was prepared. */
  #decide(xid: XidText | null, outcome: XaDecision['outcome'], event: QueryStreamEvent): void {
    this.#closeGroup(event.nextPosition);
    const prepared = xid === null ? undefined : this.#prepared.take(xid);
    this.#sink.xaDecided?.({ xid, outcome, prepared, position: this.#position });
    const committed = outcome === 'commit' ? prepared : undefined;
    this.#sink.transaction({
      commitPosition: this.#position,
      commitTimestamp: event.timestamp,
      changes: committed === undefined || committed.echo ? [] : committed.changes,
      echo: committed?.echo ?? false,
      incompleteTables: committed === undefined || committed.echo ? [] : committed.incompleteTables,
    });
  }

  #endGroup(nextPosition: number, timestamp: number): void {
    const group = this.#closeGroup(nextPosition);
    this.#handOn(group, timestamp);
  }

  #closeGroup(nextPosition: number): OpenGroup | null {
    const group = this.#group;
    this.#group = null;
    if (group?.gtid !== null && group?.gtid !== undefined) this.#gtidTracker.observe(group.gtid);
    const position = new BinlogPosition(this.#file, nextPosition);
    this.#position = position.withGtid(this.#gtidTracker.stateAt(position));
    return group;
  }

  #handOn(group: OpenGroup | null, timestamp: number): void {
    this.#sink.transaction({
      commitPosition: this.#position,
      commitTimestamp: timestamp,
      ...groupContents(group),
      echo: group?.echo ?? false,
    });
  }

  #currentGroup(): OpenGroup {
    this.#group ??= { gtid: null, standalone: false, changes: [], echo: false, incomplete: new Map() };
    return this.#group;
  }
}
