/**
 * Full-sync repairs of a one-way direction that does not stream (`sync.realtime: false`): with no apply engine
 * to order them after, each batch of keys is read from the source and written to the target in one transaction.
 */
import type { RefreshOutcome, RefreshResolver } from '../../apply/index.js';
import { primaryKeyText, type Row, type TableSchema } from '../../model/index.js';
import { BatchWriter, inWriteTransaction } from '../../target/index.js';
import type { DirectionContext } from './direction-context.js';
import { streamingRowsPerStatement } from './stream-wiring.js';

export class DirectRefresh {
  readonly #context: DirectionContext;
  readonly #resolver: RefreshResolver;
  /** One writer for the direction: it caches the statements it builds. */
  readonly #writer: BatchWriter;

  constructor(context: DirectionContext, resolver: RefreshResolver) {
    this.#context = context;
    this.#resolver = resolver;
    this.#writer = new BatchWriter(context.targetDatabase, streamingRowsPerStatement);
  }

  async refresh(table: string, targetSchema: TableSchema, keyRows: readonly Row[]): Promise<RefreshOutcome> {
    return inWriteTransaction(this.#context.targetPool, async (connection) => {
      const operations = await this.#resolver.resolve(
        connection,
        targetSchema,
        keyRows.map((row) => ({
          kind: 'refresh',
          table,
          keyText: primaryKeyText(row, targetSchema.primaryKey),
          row,
          before: null,
        })),
      );
      await this.#writer.writeTable(connection, targetSchema, operations);
      return { rowsWritten: operations.length };
    });
  }
}
