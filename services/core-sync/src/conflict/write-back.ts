/**
 * Writes the target side's winning rows back over the source's losing ones once a batch committed: in one marked
 * source transaction (the direction reading the source drops it as an echo), only where the source still holds
 * the version that lost, and fenced there (own-writes.ts).
 */
import type { Logger } from '../logging/index.js';
import { primaryKeyText, type Row, type SideName, type TableSchema } from '../model/index.js';
import { readBinlogEnd, selectRowsByKeys, type Pool } from '../mysql/index.js';
import { BatchWriter, EchoMarkers, type WriteOperation } from '../target/index.js';
import type { OwnWrites } from './own-writes.js';
import { sameRowContent } from './row-hash.js';

export interface WriteBack {
  readonly keyRow: Row;
  /** The source's version that lost: written over only while the source still holds it. */
  readonly losing: Row | null;
  readonly winning: Row | null;
}

export interface ConflictWriteBackOptions {
  readonly sourceSide: SideName;
  readonly targetSide: SideName;
  readonly sourcePool: Pool;
  readonly sourceDatabase: string;
  readonly ownWrites: OwnWrites;
  readonly logger: Logger;
}

export class ConflictWriteBack {
  readonly #options: ConflictWriteBackOptions;
  readonly #writer: BatchWriter;
  /** Write-backs are marked so the direction reading that side drops them as echoes. */
  readonly #markers: EchoMarkers;

  constructor(options: ConflictWriteBackOptions) {
    this.#options = options;
    this.#writer = new BatchWriter(options.sourceDatabase, 1);
    this.#markers = new EchoMarkers(
      options.sourcePool,
      options.sourceDatabase,
      options.targetSide,
      'resolution',
    );
  }

  /** Writes the target side's winning rows over the source's losing ones, in one marked source transaction. */
  async write(
    schema: TableSchema,
    excluded: ReadonlySet<string>,
    writeBacks: readonly WriteBack[],
  ): Promise<void> {
    const { sourceDatabase } = this.#options;
    await this.#markers.run({ readCommitted: true }, async (connection) => {
      const selected = await selectRowsByKeys(
        connection,
        sourceDatabase,
        schema,
        writeBacks.map((writeBack) => writeBack.keyRow),
        { forUpdate: true },
      );
      const current = new Map<string, Row>();
      for (const row of selected) current.set(primaryKeyText(row, schema.primaryKey), row);
      const operations: WriteOperation[] = [];
      for (const writeBack of writeBacks) {
        const keyText = primaryKeyText(writeBack.keyRow, schema.primaryKey);
        if (!sameRowContent(current.get(keyText) ?? null, writeBack.losing, excluded)) continue;
        operations.push(
          writeBack.winning === null
            ? { kind: 'delete', table: schema.name, keyText, row: writeBack.keyRow, before: writeBack.losing }
            : {
                kind: 'upsert',
                table: schema.name,
                keyText,
                row: writeBack.winning,
                before: writeBack.losing,
                ...(writeBack.losing === null ? { insertOnly: true } : {}),
              },
        );
      }
      await this.#writer.writeTable(
        connection,
        schema,
        BatchWriter.reduce(operations).get(schema.name) ?? [],
      );
      if (operations.length > 0) {
        this.#options.ownWrites.record(
          this.#options.sourceSide,
          schema.name,
          operations.map((operation) => operation.keyText),
          await readBinlogEnd(connection),
        );
      }
      this.#options.logger.debug(
        { table: schema.name, rowCount: operations.length, side: this.#options.sourceSide },
        'wrote conflict winners back to the source',
      );
    });
  }
}
