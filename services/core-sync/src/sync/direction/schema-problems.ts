/**
 * Why a table cannot go on after a schema change: what the source's new schema makes impossible to stream, and,
 * with `sync.ddl: pause`, a target that does not have the same columns.
 */
import type { SchemaChangeEvent } from '../../binlog/index.js';
import type { TableSchema } from '../../model/index.js';
import { describeColumnDifferences } from '../../mysql/index.js';
import { sameColumns, unsupportedColumns } from '../../snapshot/index.js';
import { resumeOrRestart } from '../../target/index.js';
import type { DirectionContext } from './direction-context.js';
import { quoteStatement } from './schema-replication.js';

/**
 * Why a table whose schema change was replicated (or echoed) cannot go on, or undefined. The two sides are not
 * compared: the source may have changed the table again further on in the binlog, and the target gets that change
 * in its turn; rows are written by column name meanwhile.
 */
export function followedSchemaProblem(
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
  if (configured !== undefined && !sameColumns(configured, targetSchema.primaryKey)) {
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
export function schemaChangeProblem(
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
  if (columns.length > 0 || !sameColumns(sourceSchema.primaryKey, targetSchema.primaryKey)) {
    return `schema change on ${source} (${statement}) is not on ${target}: columns ${columns.join(', ') || '(primary key)'} differ; apply the same change on ${target} (or set sync.ddl: replicate), then ${resumeOrRestart}`;
  }
  return undefined;
}

/**
 * Bidirectional, at the echo of the other side's statement (its change is on both sides now): when this source
 * changed the table itself shortly before, both sides must have ended with the same definition (the same columns
 * in the same order, of the same types, and the same primary key); otherwise why, with both statements.
 */
export function concurrentChangeProblem(
  event: SchemaChangeEvent,
  sourceSchema: TableSchema | undefined,
  targetSchema: TableSchema | undefined,
  context: DirectionContext,
): string | undefined {
  const own = context.bidirectional?.schemaChanges.recent(context.source, event.table);
  if (own === undefined || sourceSchema === undefined || targetSchema === undefined) return undefined;
  const differences = describeColumnDifferences(sourceSchema, targetSchema);
  const described = [
    ...differences.missingOnTarget.map((column) => `${column} only on ${context.source}`),
    ...differences.extraOnTarget.map((column) => `${column} only on ${context.target}`),
    ...differences.typeMismatches.map((column) => `${column} of another type`),
  ];
  const names = (schema: TableSchema) => schema.columns.map((column) => column.name);
  if (described.length === 0 && !sameColumns(names(sourceSchema), names(targetSchema)))
    described.push('columns in another order');
  if (!sameColumns(sourceSchema.primaryKey, targetSchema.primaryKey)) {
    described.push('another primary key');
  }
  if (described.length === 0) return undefined;
  const theirs = event.statement.replace(/^\s*\/\*[^*]*\*\/\s*/, '');
  return `${context.source} and ${context.target} changed ${event.table} at once and ended with different definitions (${described.join(', ')}): ${context.source} ran ${quoteStatement(own)}, ${context.target} ran ${quoteStatement(theirs)}; make ${event.table} the same on both sides, then ${resumeOrRestart}`;
}
