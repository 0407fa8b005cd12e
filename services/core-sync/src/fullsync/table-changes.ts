/**
 * The tally of one table's differing rows by decision (status/run-progress.ts `TableChanges`): counts, and the
 * first keys of each kind as samples.
 */
import { keyToJson } from '../conflict/index.js';
import type { Row, SideName } from '../model/index.js';
import { sampleKeyLimit, type TableChanges } from '../status/index.js';

type Kind = keyof TableChanges['sampleKeys'];

/**
 * Keys are shown as the conflict list shows them: a JSON object of the key columns (`{"id":6}`), binary values
 * as `{"$base64": …}`.
 */
export class ChangeTally {
  #primaryKey: readonly string[] = [];
  readonly #copied = { local: 0, cloud: 0 };
  readonly #deleted = { local: 0, cloud: 0 };
  readonly #changed = { local: 0, cloud: 0 };
  #conflicts = 0;
  #undecided = 0;
  readonly #samples: Record<Kind, string[]> = {
    copied: [],
    deleted: [],
    changed: [],
    conflicts: [],
    undecided: [],
  };

  /** The table's primary key, which the sample keys show. */
  keyedBy(primaryKey: readonly string[]): void {
    this.#primaryKey = primaryKey;
  }

  /** Rows copied to `side`. */
  copied(side: SideName, rows: readonly Row[]): void {
    this.#copied[side] += rows.length;
    this.#sample('copied', rows);
  }

  /** Rows deleted on `side`. */
  deleted(side: SideName, rows: readonly Row[]): void {
    this.#deleted[side] += rows.length;
    this.#sample('deleted', rows);
  }

  /** Differing rows settled with `side`'s version. */
  changed(side: SideName, rows: readonly Row[]): void {
    this.#changed[side] += rows.length;
    this.#sample('changed', rows);
  }

  conflicts(rows: readonly Row[]): void {
    this.#conflicts += rows.length;
    this.#sample('conflicts', rows);
  }

  undecided(rows: readonly Row[]): void {
    this.#undecided += rows.length;
    this.#sample('undecided', rows);
  }

  get changes(): TableChanges {
    return {
      copied: { ...this.#copied },
      deleted: { ...this.#deleted },
      changed: { ...this.#changed },
      conflicts: this.#conflicts,
      undecided: this.#undecided,
      sampleKeys: {
        copied: [...this.#samples.copied],
        deleted: [...this.#samples.deleted],
        changed: [...this.#samples.changed],
        conflicts: [...this.#samples.conflicts],
        undecided: [...this.#samples.undecided],
      },
    };
  }

  #sample(kind: Kind, rows: readonly Row[]): void {
    const samples = this.#samples[kind];
    for (const row of rows) {
      if (samples.length >= sampleKeyLimit) return;
      samples.push(JSON.stringify(keyToJson(row, this.#primaryKey)));
    }
  }
}

/** No differing rows yet. */
export function noChanges(): TableChanges {
  return new ChangeTally().changes;
}
