/**
 * What one side's binlog says about some keys of a table: the last change of each, in binlog order, and when the
 * binlog begins. A statement that replaces the table's rows without row events (TRUNCATE, DROP, RENAME…:
 * binlog/ddl-parser.ts `replacesTableContents`) removed every row it found, and logged no before image: every key
 * the binlog showed before it is from then on `replaced`, and only changes logged after it count as the key's own.
 */
import { primaryKeyText, type Row, type SourceTransaction, type TableSchema } from '../model/index.js';

/** The last change of a key in one binlog. */
export type KeyChange =
  | {
      /** A write left the row there (an insert, or an update to this key). */
      readonly kind: 'write';
      /** When its transaction committed (ms since epoch, second precision). */
      readonly at: number;
      /**
       * When the key's row was last created in this binlog (an insert, or an update that moved a row to this key)
       * and not replaced since; null when the row is older than the binlog (or than a replacement), only updated.
       */
      readonly createdAt: number | null;
    }
  | {
      /** A delete (or an update to another key) removed the row. */
      readonly kind: 'delete';
      readonly at: number;
      /** The row as the delete removed it (its before image). */
      readonly deletedRow: Row;
    }
  | {
      /** The binlog showed the key, then a statement replaced the table's rows: gone, without a before image. */
      readonly kind: 'replaced';
      readonly at: number;
      readonly replacement: TableReplacement;
    };

/** A statement that replaced a table's rows without row events. */
export interface TableReplacement {
  /** When it ran (ms since epoch, second precision). */
  readonly at: number;
  readonly statement: string;
}

export interface SideHistory {
  /** When the oldest transaction the binlog still holds committed (ms); null when it holds none. */
  readonly windowStart: number | null;
  /** The last change of each asked key that the binlog holds. */
  readonly lastChanges: ReadonlyMap<string, KeyChange>;
  /** Some change of the table was logged without all its columns (binlog_row_image): what it did is not known. */
  readonly incomplete: boolean;
  /** The last statement in the binlog that replaced the table's rows; null when there is none. */
  readonly lastReplacement: TableReplacement | null;
}

/** Keeps the last change of each asked key as the transactions and statements of one binlog come, in order. */
export class LastChanges {
  readonly #schema: TableSchema;
  readonly #keyTexts: ReadonlySet<string>;
  readonly #lastChanges = new Map<string, KeyChange>();
  #windowStart: number | null = null;
  #incomplete = false;
  #lastReplacement: TableReplacement | null = null;

  constructor(schema: TableSchema, keyTexts: ReadonlySet<string>) {
    this.#schema = schema;
    this.#keyTexts = keyTexts;
  }

  get history(): SideHistory {
    return {
      windowStart: this.#windowStart,
      lastChanges: this.#lastChanges,
      incomplete: this.#incomplete,
      lastReplacement: this.#lastReplacement,
    };
  }

  markIncomplete(): void {
    this.#incomplete = true;
  }

  /** The table's rows were replaced by `statement`: whatever the binlog showed of a key before is gone. */
  replaced(replacement: TableReplacement): void {
    this.#windowStart ??= replacement.at;
    this.#lastReplacement = replacement;
    for (const keyText of this.#lastChanges.keys()) {
      this.#lastChanges.set(keyText, { kind: 'replaced', at: replacement.at, replacement });
    }
  }

  add(transaction: SourceTransaction): void {
    this.#windowStart ??= transaction.commitTimestamp;
    const at = transaction.commitTimestamp;
    for (const change of transaction.changes) {
      if (change.table !== this.#schema.name) continue;
      const { before, after } = change;
      const beforeKey = before === null ? null : primaryKeyText(before, this.#schema.primaryKey);
      const afterKey = after === null ? null : primaryKeyText(after, this.#schema.primaryKey);
      if (before !== null && beforeKey !== null && beforeKey !== afterKey && this.#keyTexts.has(beforeKey)) {
        this.#lastChanges.set(beforeKey, { kind: 'delete', at, deletedRow: before });
      }
      if (afterKey !== null && this.#keyTexts.has(afterKey)) {
        const previous = this.#lastChanges.get(afterKey);
        const created = beforeKey !== afterKey;
        const createdAt = created ? at : previous?.kind === 'write' ? previous.createdAt : null;
        this.#lastChanges.set(afterKey, { kind: 'write', at, createdAt });
      }
    }
  }
}
