/**
 * The front of the apply engine: turns each source transaction (and each full-sync refresh) into a queued
 * transaction with its writes and dependency keys, leaves out what the target already has (checkpoints) or must
 * not get yet (held tables), applies backpressure on the source, and learns when queued work is applied.
 */
import { SyncError } from '../errors/index.js';
import {
  type BinlogPosition,
  type Row,
  type RowChange,
  type SourceTransaction,
  type TableSchema,
  primaryKeyText,
} from '../model/index.js';
import type { WriteOperation } from '../target/index.js';
import { forEachWriteOperation } from './change-operations.js';
import type { CheckpointState } from './checkpoint-state.js';
import type { ChangeKeys, RefreshOutcome } from './engine-types.js';
import type { HeldTables } from './held-tables.js';
import type { QueuedTransaction, QueuedWrite, RefreshTicket } from './queued-write.js';
import type { TransactionTracker } from './transaction-tracker.js';
import type { ApplyGroup, TransactionQueue } from './transaction-queue.js';

export interface DispatcherOptions {
  readonly queue: TransactionQueue;
  readonly tracker: TransactionTracker;
  readonly held: HeldTables;
  readonly checkpoints: CheckpointState;
  readonly queueCapacity: number;
  readonly pauseSource: () => void;
  readonly resumeSource: () => void;
}

export class Dispatcher {
  readonly #options: DispatcherOptions;
  #tables: ReadonlyMap<string, TableSchema>;
  #changeKeys: ChangeKeys;
  #lastSequence = -1;
  #queuedCount = 0;
  #peakQueueDepth = 0;
  #sourcePaused = false;
  #pauseCount = 0;
  #drainWaiters: (() => void)[] = [];
  readonly #openTickets = new Set<RefreshTicket>();

  constructor(options: DispatcherOptions, tables: ReadonlyMap<string, TableSchema>, changeKeys: ChangeKeys) {
    this.#options = options;
    this.#tables = tables;
    this.#changeKeys = changeKeys;
  }

  get tables(): ReadonlyMap<string, TableSchema> {
    return this.#tables;
  }

  get changeKeys(): ChangeKeys {
    return this.#changeKeys;
  }

  /** Replaces the target schema of a table (after a compatible DDL). */
  updateTableSchema(schema: TableSchema): void {
    const tables = new Map(this.#tables);
    tables.set(schema.name, schema);
    this.#tables = tables;
    this.#changeKeys = this.#changeKeys.withTable(schema);
  }

  get lastSequence(): number {
    return this.#lastSequence;
  }

  get queuedCount(): number {
    return this.#queuedCount;
  }

  get peakQueueDepth(): number {
    return this.#peakQueueDepth;
  }

  get sourcePaused(): boolean {
    return this.#sourcePaused;
  }

  get pauseCount(): number {
    return this.#pauseCount;
  }

  dispatch(transaction: SourceTransaction): void {
    const sequence = this.#nextSequence();
    // Changes committed after every checkpoint slot's position cannot have been applied yet: no skip check.
    const highestFloor = this.#options.checkpoints.highestFloor;
    const mayBeApplied = highestFloor !== undefined && transaction.commitPosition.isAtOrBefore(highestFloor);
    const writes: QueuedWrite[] = [];
    const keys: string[] = [];
    const keyOwners: number[] = [];
    // Insertion order: the tables in order of first write.
    const writtenTables = new Set<string>();
    for (const change of transaction.changes) {
      if (this.#options.held.holds(change.table, sequence)) continue;
      const schema = this.#tables.get(change.table);
      if (schema === undefined) continue;
      const firstWrite = writes.length;
      this.#queueChange(change, schema, transaction, sequence, mayBeApplied, writes);
      if (writes.length === firstWrite) continue;
      writtenTables.add(change.table);
      const firstKey = keys.length;
      this.#changeKeys.keysOf(change, keys);
      for (let index = firstKey; index < keys.length; index += 1) keyOwners.push(writes.length - 1);
    }
    this.#enqueue({
      sequence,
      commitPosition: transaction.commitPosition,
      writes,
      keys,
      keyOwners,
      tables: Array.from(writtenTables),
      refresh: false,
      foreignKeyChecks: true,
    });
  }

  /** Queues a full-sync refresh of these keys at the current end of the stream (see ApplyEngine.refresh). */
  refresh(
    table: string,
    keyRows: readonly Row[],
    position: BinlogPosition,
    schema: TableSchema,
    deletedRows?: ReadonlyMap<string, Row>,
  ): Promise<RefreshOutcome> {
    if (keyRows.length === 0) return Promise.resolve({ rowsWritten: 0 });
    return new Promise<RefreshOutcome>((resolve, reject) => {
      const ticket: RefreshTicket = { remaining: keyRows.length, rowsWritten: 0, resolve, reject };
      this.#openTickets.add(ticket);
      const commitTimestamp = Date.now();
      // Replayed deletes are a transaction of their own, written with foreign-key checks (QueuedTransaction).
      const copied: RefreshKey[] = [];
      const replayed: RefreshKey[] = [];
      for (const keyRow of keyRows) {
        const keyText = primaryKeyText(keyRow, schema.primaryKey);
        const deletedRow = deletedRows?.get(keyText) ?? null;
        (deletedRow === null ? copied : replayed).push({ keyRow, keyText, deletedRow });
      }
      const cascade = this.#deletesCascade(table);
      for (const [keys, foreignKeyChecks] of [
        [copied, false],
        [replayed, cascade.cascades],
      ] as const) {
        if (keys.length === 0) continue;
        const sequence = this.#nextSequence();
        this.#enqueue({
          sequence,
          commitPosition: position,
          // A refresh's `before` carries the row as the source deleted it, when the delete is to be replayed.
          writes: keys.map(({ keyRow, keyText, deletedRow }) => ({
            operation: { kind: 'refresh', table, keyText, row: keyRow, before: deletedRow },
            sequence,
            commitPosition: position,
            commitTimestamp,
            refresh: ticket,
          })),
          keys: [],
          keyOwners: [],
          // A cascading delete writes the children's tables too: it is ordered against their writes as well.
          tables: foreignKeyChecks ? [table, ...cascade.children] : [table],
          refresh: true,
          foreignKeyChecks,
        });
      }
    });
  }

  /**
   * Whether a delete of `table`'s rows, replayed with the foreign-key checks on, runs the cascades the source ran
   * unlogged (MariaDB): every foreign key of a synced table that references it cascades (or sets NULL), and some
   * do. Where one restricts, the application deleted those children itself, in the binlog, so the checks would
   * only refuse the parent's delete while the children still wait for their own table's turn.
   */
  #deletesCascade(table: string): { cascades: boolean; children: string[] } {
    const children: string[] = [];
    let cascades = true;
    for (const schema of this.#tables.values()) {
      for (const foreignKey of schema.foreignKeys) {
        if (foreignKey.referencedTable !== table || schema.name === table) continue;
        children.push(schema.name);
        if (foreignKey.onDelete !== 'CASCADE' && foreignKey.onDelete !== 'SET NULL') cascades = false;
      }
    }
    return { cascades: cascades && children.length > 0, children: [...new Set(children)] };
  }

  /** A group is committed (or all of it held): its transactions are done. */
  acknowledge(group: ApplyGroup, refreshWrites: ReadonlyMap<RefreshTicket, number>): void {
    for (const [ticket, rowsWritten] of refreshWrites) ticket.rowsWritten += rowsWritten;
    for (const transaction of group.transactions) {
      const count = transaction.writes.length;
      this.#options.tracker.acknowledge(transaction.sequence, count);
      const ticket = transaction.writes[0]?.refresh;
      if (ticket !== undefined) {
        ticket.remaining -= count;
        if (ticket.remaining <= 0) {
          this.#openTickets.delete(ticket);
          ticket.resolve({ rowsWritten: ticket.rowsWritten });
        }
      }
      this.#queuedCount -= count;
    }
    if (this.#sourcePaused && this.#queuedCount <= this.#options.queueCapacity / 2) {
      this.#sourcePaused = false;
      this.#options.resumeSource();
    }
    if (this.#queuedCount === 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }

  /** Resolves when every dispatched change is applied (or held). */
  async drained(): Promise<void> {
    if (this.#queuedCount === 0) return;
    await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
  }

  rejectOpenRefreshes(error: Error): void {
    for (const ticket of this.#openTickets) ticket.reject(error);
    this.#openTickets.clear();
  }

  #nextSequence(): number {
    this.#lastSequence += 1;
    return this.#lastSequence;
  }

  #queueChange(
    change: RowChange,
    schema: TableSchema,
    transaction: SourceTransaction,
    sequence: number,
    mayBeApplied: boolean,
    writes: QueuedWrite[],
  ): void {
    forEachWriteOperation(change, schema.primaryKey, (operation: WriteOperation) => {
      if (mayBeApplied) {
        const floor = this.#options.checkpoints.skipFloor(operation.table, operation.keyText);
        if (floor !== undefined && transaction.commitPosition.isAtOrBefore(floor)) return;
      }
      writes.push({
        operation,
        sequence,
        commitPosition: transaction.commitPosition,
        commitTimestamp: transaction.commitTimestamp,
      });
    });
  }

  #enqueue(transaction: QueuedTransaction): void {
    const count = transaction.writes.length;
    this.#options.tracker.dispatched(
      transaction.sequence,
      transaction.commitPosition,
      count,
      transaction.refresh,
    );
    if (count === 0) return;
    this.#options.queue.push(transaction);
    this.#queuedCount += count;
    this.#peakQueueDepth = Math.max(this.#peakQueueDepth, this.#queuedCount);
    if (!this.#sourcePaused && this.#queuedCount >= this.#options.queueCapacity) {
      this.#sourcePaused = true;
      this.#pauseCount += 1;
      this.#options.pauseSource();
    }
  }
}

/** Where a refresh of `table` is queued (its schema, the stream position), or why it cannot be now. */
export function refreshPlace(
  table: string,
  schema: TableSchema | undefined,
  position: BinlogPosition | null,
  stopping: boolean,
  held: boolean,
): { readonly schema: TableSchema; readonly position: BinlogPosition } | SyncError {
  if (!stopping && position !== null && schema !== undefined && !held) return { schema, position };
  const reason =
    schema === undefined
      ? `${table} is not synced in this direction`
      : position === null
        ? 'the apply engine has no stream position yet'
        : held
          ? 'the table is paused'
          : 'the apply engine is stopping';
  return new SyncError('FULL_SYNC_FAILED', `cannot refresh rows of ${table}: ${reason}`);
}

/** A key of a refresh, with the row the source deleted when its delete is replayed. */
interface RefreshKey {
  readonly keyRow: Row;
  readonly keyText: string;
  readonly deletedRow: Row | null;
}
