/**
 * Conflict resolution strategies, one class each behind `ConflictStrategy`, chosen per table from its config.
 * A strategy only decides; the apply engine writes the winning version (to the target in the batch, or back to
 * the source in a marked transaction) and records the resolution.
 */
import type { TableConfig } from '../config/index.js';
import type { ColumnValue, Row, SideName } from '../model/index.js';
import type { ConflictType } from './decision.js';

/** One row's two versions that disagree. A null row is absent (deleted) on that side. */
export interface DetectedConflict {
  readonly table: string;
  readonly keyText: string;
  readonly type: ConflictType;
  /** The side the incoming change comes from, and its version of the row. */
  readonly sourceSide: SideName;
  readonly sourceRow: Row | null;
  /** The side being written, and its current version of the row. */
  readonly targetSide: SideName;
  readonly targetRow: Row | null;
}

export type Resolution =
  | { readonly kind: 'automatic'; readonly winner: SideName; readonly row: Row | null }
  | { readonly kind: 'manual' };

export interface ConflictStrategy {
  readonly name: TableConfig['conflictResolution'];
  resolve(conflict: DetectedConflict): Resolution;
}

function rowOf(conflict: DetectedConflict, side: SideName): Row | null {
  return side === conflict.sourceSide ? conflict.sourceRow : conflict.targetRow;
}

function win(conflict: DetectedConflict, winner: SideName): Resolution {
  return { kind: 'automatic', winner, row: rowOf(conflict, winner) };
}

/** Always the configured side. */
export class SourcePriorityStrategy implements ConflictStrategy {
  readonly name = 'source_priority';
  readonly #prefer: SideName;

  constructor(prefer: SideName) {
    this.#prefer = prefer;
  }

  resolve(conflict: DetectedConflict): Resolution {
    return win(conflict, this.#prefer);
  }
}

/**
 * The version with the newer `timestamp_column` wins; equal times go to `tieBreaker`; a NULL timestamp is older
 * than any time. A deleted row has no timestamp, and when each direction meets the conflict only one of them
 * knows when the delete happened — so a version that still exists always beats a delete (nothing is deleted on
 * a guess, and both directions decide alike, which is what makes the two sides converge).
 */
export class LastWriteWinsStrategy implements ConflictStrategy {
  readonly name = 'last_write_wins';
  readonly #column: string;
  readonly #tieBreaker: SideName;

  constructor(column: string, tieBreaker: SideName) {
    this.#column = column;
    this.#tieBreaker = tieBreaker;
  }

  resolve(conflict: DetectedConflict): Resolution {
    const { sourceSide, targetSide, sourceRow, targetRow } = conflict;
    if (targetRow === null) return win(conflict, sourceSide);
    if (sourceRow === null) return win(conflict, targetSide);
    const targetTime = timestampOf(targetRow[this.#column] ?? null);
    const sourceTime = timestampOf(sourceRow[this.#column] ?? null);
    if (sourceTime === targetTime) return win(conflict, this.#tieBreaker);
    return win(conflict, sourceTime > targetTime ? sourceSide : targetSide);
  }
}

/** Neither side is written: the conflict is stored and waits for a person. */
export class ManualStrategy implements ConflictStrategy {
  readonly name = 'manual';

  resolve(): Resolution {
    return { kind: 'manual' };
  }
}

/**
 * A timestamp column's value as comparable milliseconds (with microseconds as the fraction): DATETIME/TIMESTAMP
 * text ('2024-05-01 12:00:00.123456', read as UTC like every session of the service), or a number (epoch
 * seconds or milliseconds kept as they are: both sides use the same column type). NULL and zero dates are -∞.
 */
export function timestampOf(value: ColumnValue): number {
  if (value === null) return Number.NEGATIVE_INFINITY;
  if (typeof value === 'number') return value;
  if (Buffer.isBuffer(value)) return Number.NEGATIVE_INFINITY;
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?$/.exec(
    value.trim(),
  );
  if (match === null) {
    const numeric = Number(value);
    return Number.isFinite(numeric) ? numeric : Number.NEGATIVE_INFINITY;
  }
  const [, year, month, day, hour, minute, second, fraction] = match;
  if (year === '0000') return Number.NEGATIVE_INFINITY;
  const wholeMs = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour ?? 0),
    Number(minute ?? 0),
    Number(second ?? 0),
  );
  const micros = Number((fraction ?? '').padEnd(6, '0'));
  return wholeMs + micros / 1_000;
}

export function strategyFor(table: TableConfig): ConflictStrategy {
  switch (table.conflictResolution) {
    case 'last_write_wins':
      return new LastWriteWinsStrategy(table.timestampColumn, table.tieBreaker);
    case 'source_priority':
      return new SourcePriorityStrategy(table.prefer);
    case 'manual':
      return new ManualStrategy();
  }
}
