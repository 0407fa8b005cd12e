/**
 * The values the metrics' labels may take. Every label has a bounded set: directions, states and conflict types
 * are enums, tables come from the configuration, error codes from `errorCodes`. Anything outside a set is
 * reported as `other` (`(other)` for tables), so a bug upstream (a message where a code belongs) cannot grow the series count.
 */
import { conflictTypes, type ConflictType } from '../conflict/index.js';
import { errorCodes } from '../errors/index.js';
import type { DirectionState, RunProgress, TableState } from '../status/index.js';

/** The label value for anything outside a label's known set. */
export const otherLabel = 'other';

/** The table label of a table that is not configured (parenthesised: no plausible table is named so). */
export const otherTableLabel = '(other)';

/** The error-code label for a code that is not one of `errorCodes`. */
export const otherErrorCode = 'OTHER';

// Records keyed by the union types: the compiler fails when a state is added upstream and not listed here.
const directionStateSet: Readonly<Record<DirectionState, true>> = {
  starting: true,
  snapshotting: true,
  streaming: true,
  idle: true,
  stopping: true,
  stopped: true,
  failed: true,
};
export const directionStates = Object.keys(directionStateSet) as readonly DirectionState[];

const tableStateSet: Readonly<Record<TableState, true>> = {
  pending: true,
  snapshotting: true,
  streaming: true,
  synced: true,
  paused: true,
};
export const tableStates = Object.keys(tableStateSet) as readonly TableState[];

export type RunKind = RunProgress['kind'];
const runKindSet: Readonly<Record<RunKind, true>> = {
  initial: true,
  manual: true,
  scheduled: true,
  fallback: true,
  adoption: true,
};
export const runKinds = Object.keys(runKindSet) as readonly RunKind[];

/** The states a full-sync run ends in. */
export type RunOutcome = 'completed' | 'failed' | 'stopped';
export const runOutcomes: readonly RunOutcome[] = ['completed', 'failed', 'stopped'];

export const conflictTypeLabels: readonly ConflictType[] = conflictTypes;

/** How a detected conflict was settled: the winning side, or `pending` when it waits for a person. */
export const conflictOutcomes = ['local', 'cloud', 'pending'] as const;
export type ConflictOutcome = (typeof conflictOutcomes)[number];

/** How a person resolved a conflict (`merged`: edited data). */
export const manualResolutions = ['local', 'cloud', 'merged'] as const;

export function manualResolutionLabel(resolution: string): string {
  return (manualResolutions as readonly string[]).includes(resolution) ? resolution : otherLabel;
}

export function conflictTypeLabel(conflictType: string): string {
  return (conflictTypeLabels as readonly string[]).includes(conflictType) ? conflictType : otherLabel;
}

export function runKindLabel(kind: string): string {
  return Object.hasOwn(runKindSet, kind) ? kind : otherLabel;
}

export const errorCodeLabels: readonly string[] = [...Object.keys(errorCodes), otherErrorCode];

/** A code of `errorCodes` as it is; anything else (a driver code, a typo) as `OTHER`. */
export function errorCodeLabel(code: string): string {
  return Object.hasOwn(errorCodes, code) ? code : otherErrorCode;
}

/**
 * The table label: a configured table's name, else `(other)`. Reads the configured names on every call (the
 * configuration can change while running) and rebuilds its lookup only when it gets a different list.
 */
export class TableLabels {
  readonly #configuredTables: () => readonly string[];
  #lastList: readonly string[] | undefined;
  #lookup: ReadonlySet<string> = new Set();

  constructor(configuredTables: () => readonly string[]) {
    this.#configuredTables = configuredTables;
  }

  /** The configured table names now. */
  get configured(): ReadonlySet<string> {
    const list = this.#configuredTables();
    if (list !== this.#lastList) {
      this.#lastList = list;
      this.#lookup = new Set(list);
    }
    return this.#lookup;
  }

  label(table: string): string {
    return this.configured.has(table) ? table : otherTableLabel;
  }
}
