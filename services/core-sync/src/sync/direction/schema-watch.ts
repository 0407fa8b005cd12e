/**
 * The schema watch of a direction: transactions pass from the binlog reader to the apply engine here, and a DDL
 * on a synced table stops them until both sides' schemas are read again. A change the target also has is
 * followed; any other pauses the table from the DDL's position on, with the remedy in its status.
 */
import type { ApplyEngine } from '../../apply/index.js';
import type { ReadHold, SchemaChangeEvent } from '../../binlog/index.js';
import { readTableSchema } from '../../mysql/index.js';
import { appliedFrom } from '../../target/index.js';
import type { SourceTransaction, SystemPeriod, TableSchema } from '../../model/index.js';
import { currentVersionChanges } from '../system-versioning.js';
import { ledgerTargetOf, recordShadowTableStatement } from './online-schema-change.js';
import { rememberRemovedColumns } from './schema-change-log.js';
import { SchemaChangeHistory, type SchemaChangeEntry } from './schema-history.js';
import { concurrentChangeProblem, followedSchemaProblem, schemaChangeProblem } from './schema-problems.js';
import { quoteStatement, replicateSchemaChange } from './schema-replication.js';
import type { DirectionContext } from './direction-context.js';
import type { StartFacts } from './start-facts.js';

/** Holds the binlog reader for a reason (binlog-source.ts `hold`), and lets it go. */
export interface SourceHolds {
  hold(reason: ReadHold): void;
  release(reason: ReadHold): void;
}

const foundAppliedMessages = {
  'already-applied':
    "the target's ledger says it ran there before (the binlog was read again after a restart)",
  'found-applied':
    'the target had it already: it ran there before a crash, or the operator ran it (the same statement on both sides)',
} as const;

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
  /** The identity of the source server the binlog is read from (start-facts.ts): the ledger's entries are its. */
  #sourceServer = '';
  readonly history: SchemaChangeHistory;

  constructor(
    context: DirectionContext,
    source: SourceHolds,
    engine: () => ApplyEngine | undefined,
    fail: (error: unknown) => void,
    statusChanged: () => void,
  ) {
    this.#context = context;
    this.#source = source;
    this.#engine = engine;
    this.#fail = fail;
    this.history = new SchemaChangeHistory((change) => {
      context.onSchemaChange?.(change);
      statusChanged();
    });
  }

  /** Resolves once the DDL checks under way are done. */
  async settled(): Promise<void> {
    await this.#schemaCheck;
  }

  followSystemPeriod(table: string, sourceSchema: TableSchema | undefined): void {
    if (sourceSchema?.systemPeriod === undefined) this.#systemPeriods.delete(table);
    else this.#systemPeriods.set(table, sourceSchema.systemPeriod);
  }

  /**
   * What the start found: the source's system-versioned tables, the source server whose binlog the stream reads,
   * and (bidirectional) the columns the target side removed with statements already applied on the source.
   */
  async followStart(start: StartFacts): Promise<void> {
    for (const [table, pair] of start.schemas) this.followSystemPeriod(table, pair.source);
    this.#sourceServer = start.sourceServer ?? '';
    const { bidirectional, sourcePool, sourceDatabase, target } = this.#context;
    if (bidirectional !== undefined) {
      await rememberRemovedColumns(bidirectional.schemaChanges, sourcePool, sourceDatabase, target);
    }
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
    // Transactions read after the previous DDL and before this one go on once that one is done, before this one.
    const before = this.#heldTransactions;
    this.#heldTransactions = [];
    const check = previousCheck
      .then(() => {
        for (const transaction of before) this.#dispatch(transaction);
        return this.#checkSchemaChange(event);
      })
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
    const ledgerTarget = ledgerTargetOf(this.#context, this.#sourceServer);
    if (event.shadowTable !== undefined) {
      // An online schema change tool's copy: recorded for its swap, nothing else to do now.
      if (config.sync.ddl === 'replicate')
        await recordShadowTableStatement(this.#context, ledgerTarget, event);
      return;
    }
    const engine = this.#engine();
    // The columns the source's own statement removes, known to the other direction even while this one waits.
    if (appliedFrom(event.statement) === undefined) {
      this.#context.bidirectional?.schemaChanges.noteRemovedColumns(
        this.#context.source,
        event.table,
        event.statement,
      );
    }
    if (engine?.pauses.has(event.table) === true) {
      // Its changes before the statement are held too: the statement is read again, in order, when it resumes.
      logger.info(
        { table: event.table, binlogPosition: event.position.toString() },
        'schema change of a paused table: left until the table resumes',
      );
      return;
    }
    const entry = this.history.seen(event, 'waiting');
    const replicated =
      config.sync.ddl === 'replicate'
        ? await replicateSchemaChange(
            this.#context,
            ledgerTarget,
            event,
            () => this.#engine()?.drainedUnlessStopped() ?? Promise.resolve(false),
            () => entry.step('applying'),
          )
        : undefined;
    if (replicated?.kind === 'interrupted') {
      // Stopping: nothing after the statement was applied, so the next start reads it again.
      entry.step('waiting', {
        message: 'the direction stopped first: the statement is read again at the next start',
      });
      return;
    }
    if (replicated?.kind === 'pause') {
      logger.error(
        {
          table: event.table,
          code: replicated.error.code,
          binlogPosition: event.position.toString(),
          err: replicated.error,
        },
        'schema change refused by the target',
      );
      this.#pause(event, replicated.message, entry);
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
    // Not run on the target: the table goes on only if the target has the same columns (as with sync.ddl: pause).
    const compared = replicated === undefined || replicated.kind === 'not-carried';
    const problem = compared
      ? schemaChangeProblem(event, sourceSchema, targetSchema, this.#context)
      : (followedSchemaProblem(event, sourceSchema, targetSchema, this.#context) ??
        (replicated.kind === 'echo'
          ? concurrentChangeProblem(event, sourceSchema, targetSchema, this.#context)
          : undefined));
    if (problem !== undefined || targetSchema === undefined) {
      const notCarried = replicated?.kind === 'not-carried' ? replicated.message : undefined;
      this.#pause(event, notCarried ?? problem ?? 'schema changed', entry);
      return;
    }
    this.#engine()?.updateTableSchema(targetSchema);
    if (compared) {
      logger.info(
        { table: event.table, binlogPosition: event.position.toString() },
        'schema change followed: both sides match',
      );
      entry.step('followed');
    } else if (replicated.kind === 'echo') entry.step('echo');
    else if (replicated.outcome === 'applied') entry.step('applied', { durationMs: replicated.durationMs });
    else entry.step('found-applied', { message: foundAppliedMessages[replicated.outcome] });
  }

  #pause(event: SchemaChangeEvent, message: string, entry: SchemaChangeEntry): void {
    entry.step('paused', { message });
    this.#engine()?.pauseTableAfterCurrent(event.table, 'schema-change', message, event.position);
  }
}
