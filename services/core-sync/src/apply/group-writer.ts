/**
 * Writes one group's changes inside its target transaction. A group is written in steps:
 * - reduced (the usual case): one step per table, in order of the tables' first change; each row is written once,
 *   at its last state (BatchWriter.reduce or the conflict check), deletes first;
 * - ordered (rows meet through a unique or foreign key, see transaction-queue.ts): one step per run of
 *   consecutive changes of one table and one kind, in source order, so a unique-key swap, a REPLACE or a parent
 *   and its children reach the target in the order the source made them.
 * Each step resolves its full-sync refreshes and, in bidirectional sync, goes through the conflict check.
 */
import type { TableSchema } from '../model/index.js';
import type { PoolConnection } from '../mysql/index.js';
import { BatchWriter, TableWriteError } from './batch-writer.js';
import type { BatchConflictCheck, RefreshResolver } from './engine-types.js';
import type { QueuedWrite, RefreshTicket } from './queued-write.js';
import { resolveRefreshes } from './refresh-writes.js';

/** What a group's attempt does once it committed: conflict write-backs, and the rows each refresh wrote. */
export interface GroupEffects {
  readonly afterCommit: readonly (() => Promise<void>)[];
  readonly refreshWrites: ReadonlyMap<RefreshTicket, number>;
}

export interface GroupWriterOptions {
  readonly targetDatabase: string;
  readonly maxRowsPerStatement: number;
  readonly conflictCheck?: BatchConflictCheck;
  readonly refreshResolver?: RefreshResolver;
}

interface WriteStep {
  readonly table: string;
  readonly writes: readonly QueuedWrite[];
}

export class GroupWriter {
  readonly #options: GroupWriterOptions;
  readonly #writer: BatchWriter;

  constructor(options: GroupWriterOptions) {
    this.#options = options;
    this.#writer = new BatchWriter(options.targetDatabase, options.maxRowsPerStatement);
  }

  get batchWriter(): BatchWriter {
    return this.#writer;
  }

  /** Writes the group's changes; returns its effects (recorded by the caller just before COMMIT). */
  async write(
    connection: PoolConnection,
    writes: readonly QueuedWrite[],
    ordered: boolean,
    tables: ReadonlyMap<string, TableSchema>,
  ): Promise<GroupEffects> {
    const afterCommit: (() => Promise<void>)[] = [];
    const refreshWrites = new Map<RefreshTicket, number>();
    const { conflictCheck, refreshResolver } = this.#options;
    for (const step of ordered ? runsInOrder(writes) : stepsByTable(writes)) {
      const schema = tables.get(step.table);
      if (schema === undefined) continue;
      const stepWrites = await resolveRefreshes(
        connection,
        schema,
        step.writes,
        refreshWrites,
        refreshResolver,
      );
      if (conflictCheck === undefined) {
        const operations = stepWrites.map((item) => item.operation);
        await this.#writer.writeTable(
          connection,
          schema,
          ordered ? operations : (BatchWriter.reduce(operations).get(step.table) ?? []),
        );
        continue;
      }
      const checked = await conflictCheck.check(connection, schema, stepWrites);
      try {
        await this.#writer.writeTable(connection, schema, checked.operations);
      } catch (error) {
        throw error instanceof TableWriteError ? error : new TableWriteError(step.table, error);
      }
      await checked.beforeCommit?.();
      if (checked.afterCommit !== undefined) afterCommit.push(checked.afterCommit);
    }
    return { afterCommit, refreshWrites };
  }
}

/** One step per table, each with its writes in source order, tables in order of their first write. */
function stepsByTable(writes: readonly QueuedWrite[]): WriteStep[] {
  const byTable = new Map<string, QueuedWrite[]>();
  for (const item of writes) {
    const tableWrites = byTable.get(item.operation.table);
    if (tableWrites === undefined) byTable.set(item.operation.table, [item]);
    else tableWrites.push(item);
  }
  return [...byTable].map(([table, tableWrites]) => ({ table, writes: tableWrites }));
}

/** One step per run of consecutive writes of one table and one kind, in source order. */
function runsInOrder(writes: readonly QueuedWrite[]): WriteStep[] {
  const steps: { table: string; kind: string; writes: QueuedWrite[] }[] = [];
  let current: { table: string; kind: string; writes: QueuedWrite[] } | undefined;
  for (const item of writes) {
    const { table, kind } = item.operation;
    if (current === undefined || current.table !== table || current.kind !== kind) {
      current = { table, kind, writes: [] };
      steps.push(current);
    }
    current.writes.push(item);
  }
  return steps;
}
