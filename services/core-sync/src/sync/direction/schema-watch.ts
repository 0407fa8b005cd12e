/**
 * The schema watch of a direction: transactions pass from the binlog reader to the apply engine here, and a DDL
 * on a synced table stops them until both sides' schemas are read again. A change the target also has is
 * followed; any other pauses the table from the DDL's position on, with the remedy in its status.
 */
import type { ApplyEngine } from '../../apply/index.js';
import type { ReadHold, SchemaChangeEvent } from '../../binlog/index.js';
import { describeColumnDifferences, readTableSchema } from '../../mysql/index.js';
import type { SourceTransaction, SystemPeriod, TableSchema } from '../../model/index.js';
import { unsupportedColumns } from '../../snapshot/index.js';
import { resumeOrRestart } from '../../target/index.js';
import { currentVersionChanges } from '../system-versioning.js';
import { quoteStatement, replicateSchemaChange } from './schema-replication.js';
import type { DirectionContext } from './direction-context.js';

/** Holds the binlog reader for a reason (binlog-source.ts `hold`), and lets it go. */
export interface SourceHolds {
  hold(reason: ReadHold): void;
  release(reason: ReadHold): void;
}

export class SchemaWatch {
  readonly #context: DirectionContext;
  readonly #source: SourceHolds;
  readonly #engine: () => ApplyEngine | undefined;
  readonly #fail: (error: unknown) => void;
  /** DDL checks run in stream order: transactions that arrive meanwhile wait here (the source is held). */
  #schemaCheck: Promise<void> | undefined;
  #heldTransactions: SourceTransaction[] = [];
  /** The period columns of the source's system-versioned tables: their changes reach the target as current rows. */
  readonly #systemPeriods = new Map<string, SystemPeriod>();

  constructor(
    context: DirectionContext,
    source: SourceHolds,
    engine: () => ApplyEngine | undefined,
    fail: (error: unknown) => void,
  ) {
    this.#context = context;
    this.#source = source;
    this.#engine = engine;
    this.#fail = fail;
  }

  /** Resolves once the DDL checks under way are done. */
  async settled(): Promise<void> {
    await this.#schemaCheck;
  }

  followSystemPeriod(table: string, sourceSchema: TableSchema | undefined): void {
    if (sourceSchema?.systemPeriod === undefined) this.#systemPeriods.delete(table);
    else this.#systemPeriods.set(table, sourceSchema.systemPeriod);
  }

  onTransaction(transaction: SourceTransaction): void {
    if (this.#schemaCheck !== undefined) {
      this.#heldTransactions.push(transaction);
      return;
    }
    this.#dispatch(transaction);
  }

  /** Re-reads both schemas after a DDL; a change the target does not have pauses the table from here on. */
  onSchemaChange(event: SchemaChangeEvent): void {
    const previousCheck = this.#schemaCheck ?? Promise.resolve();
    this.#source.hold('schema');
    const check = previousCheck
      .then(() => this.#checkSchemaChange(event))
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        if (this.#schemaCheck !== check) return;
        this.#schemaCheck = undefined;
        const held = this.#heldTransactions;
        this.#heldTransactions = [];
        for (const transaction of held) this.#dispatch(transaction);
        // A full queue keeps the source held: the engine releases it once drained.
        this.#source.release('schema');
      });
    this.#schemaCheck = check;
  }

  #dispatch(transaction: SourceTransaction): void {
    this.#engine()?.dispatch(currentVersionChanges(transaction, this.#systemPeriods));
  }

  async #checkSchemaChange(event: SchemaChangeEvent): Promise<void> {
    const { sourcePool, targetPool, sourceDatabase, targetDatabase, logger, config } = this.#context;
    // Transactions before the DDL are dispatched: hold the ones after it until this check is done.
    for (const transaction of this.#heldTransactions.splice(0)) this.#dispatch(transaction);
    const replicated =
      config.sync.ddl === 'replicate'
        ? await replicateSchemaChange(
            this.#context,
            event,
            () => this.#engine()?.drained() ?? Promise.resolve(),
          )
        : undefined;
    if (replicated?.kind === 'pause') {
      if (replicated.error !== undefined) {
        logger.error(
          {
            table: event.table,
            code: replicated.error.code,
            binlogPosition: event.position.toString(),
            err: replicated.error,
          },
          'schema change refused by the target',
        );
      }
      this.#pause(event, replicated.message);
      return;
    }
    if (replicated?.kind === 'applied') {
      logger.info(
        {
          table: event.table,
          outcome: replicated.outcome,
          durationMs: replicated.durationMs,
          binlogPosition: event.position.toString(),
          statement: quoteStatement(replicated.statement),
        },
        replicated.outcome === 'applied' ? 'schema change applied' : 'schema change found applied already',
      );
    }
    const sourceSchema = await readTableSchema(sourcePool, sourceDatabase, event.table);
    const targetSchema = await readTableSchema(targetPool, targetDatabase, event.table);
    // Changes after the DDL (held until now) are read as the table is from here on.
    this.followSystemPeriod(event.table, sourceSchema);
    const problem =
      replicated === undefined
        ? schemaChangeProblem(event, sourceSchema, targetSchema, this.#context)
        : followedSchemaProblem(event, sourceSchema, targetSchema, this.#context);
    if (problem === undefined && targetSchema !== undefined) {
      this.#engine()?.updateTableSchema(targetSchema);
      if (replicated === undefined) {
        logger.info(
          { table: event.table, binlogPosition: event.position.toString() },
          'schema change followed: both sides match',
        );
      }
      return;
    }
    this.#pause(event, problem ?? 'schema changed');
  }

  #pause(event: SchemaChangeEvent, message: string): void {
    this.#engine()?.pauseTableAfterCurrent(event.table, 'schema-change', message, event.position);
  }
}

/**
 * Why a table whose schema change was replicated (or echoed) cannot go on, or undefined. The two sides are not
 * compared: the source may have changed the table again further on in the binlog, and the target gets that change
 * in its turn; rows are written by column name meanwhile.
 */
function followedSchemaProblem(
  event: SchemaChangeEvent,
  sourceSchema: TableSchema | undefined,
  targetSchema: TableSchema | undefined,
  context: DirectionContext,
): string | undefined {
  const { source, target } = context;
  const common = sourceOnlyProblem(event, sourceSchema, source);
  if (common !== undefined) return common;
  if (targetSchema === undefined) return `table ${event.table} does not exist on ${target}`;
  const configured = context.config.sync.tables.find((table) => table.name === event.table)?.primaryKey;
  if (configured !== undefined && configured.join('\u0000') !== targetSchema.primaryKey.join('\u0000')) {
    return `after the schema change (${quoteStatement(event.statement)}) the primary key of ${event.table} on ${target} is (${targetSchema.primaryKey.join(', ')}), and sync.tables[].primary_key says (${configured.join(', ')}): set primary_key to the table's key, then ${resumeOrRestart}`;
  }
  return undefined;
}

/** What the source's new schema makes impossible to stream, whatever the target has. */
function sourceOnlyProblem(
  event: SchemaChangeEvent,
  sourceSchema: TableSchema | undefined,
  source: string,
): string | undefined {
  const statement = quoteStatement(event.statement);
  if (sourceSchema === undefined) return `table ${event.table} no longer exists on ${source}`;
  const unsupported = unsupportedColumns(sourceSchema);
  if (unsupported.length > 0) {
    return `schema change on ${source} (${statement}) added a column named ${unsupported.join(', ')}, which core-sync cannot carry (JavaScript row objects cannot hold that key): rename the column on ${source}, then ${resumeOrRestart}`;
  }
  if (sourceSchema.systemPeriod?.byTransaction === true) {
    return `schema change on ${source} (${statement}) made ${event.table} system-versioned by transaction id: MariaDB logs its changes as statements, which cannot be streamed (TABLE_VERSIONING_UNSUPPORTED); version it by time on ${source}, then ${resumeOrRestart}`;
  }
  return undefined;
}

/** `sync.ddl: pause`: why the table cannot go on after `event`, or undefined when both sides have the same columns and key. */
function schemaChangeProblem(
  event: SchemaChangeEvent,
  sourceSchema: TableSchema | undefined,
  targetSchema: TableSchema | undefined,
  context: DirectionContext,
): string | undefined {
  const { source, target } = context;
  const statement = quoteStatement(event.statement);
  if (/^\s*truncate\b/i.test(event.statement)) {
    return `TRUNCATE on ${source} is not replicated with sync.ddl: pause (it writes no row events): truncate ${event.table} on ${target} too, then ${resumeOrRestart}`;
  }
  const common = sourceOnlyProblem(event, sourceSchema, source);
  if (common !== undefined || sourceSchema === undefined) return common;
  if (targetSchema === undefined) return `table ${event.table} does not exist on ${target}`;
  const differences = describeColumnDifferences(sourceSchema, targetSchema);
  const columns = [
    ...differences.missingOnTarget,
    ...differences.extraOnTarget,
    ...differences.typeMismatches,
  ];
  if (columns.length > 0 || sourceSchema.primaryKey.join() !== targetSchema.primaryKey.join()) {
    return `schema change on ${source} (${statement}) is not on ${target}: columns ${columns.join(', ') || '(primary key)'} differ; apply the same change on ${target} (or set sync.ddl: replicate), then ${resumeOrRestart}`;
  }
  return undefined;
}
