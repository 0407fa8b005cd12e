/**
 * A full-sync run's differing rows by decision (`tables[].changes`), arranged for reading: the run's totals first,
 * then each table that has any, with only the decisions that happened, in words that say whether they were done
 * (a real run) or would be (a dry run, the preview).
 */
import type { RunProgress, TableProgress } from '../api/types';
import { formatCount } from './format';

export type TableChanges = TableProgress['changes'];
/** copied, deleted, changed, conflicts, undecided: the kinds of decision the API reports. */
export type ChangeCategory = keyof TableChanges['sampleKeys'];
export type SideName = 'local' | 'cloud';

export const changeCategories: readonly ChangeCategory[] = [
  'copied',
  'deleted',
  'changed',
  'conflicts',
  'undecided',
];

export interface SideCount {
  readonly side: SideName;
  readonly count: number;
}

export interface ChangeLine {
  readonly category: ChangeCategory;
  readonly count: number;
  /** By side (copied to, deleted on, whose version won); null for conflicts and undecided rows. */
  readonly bySide: readonly SideCount[] | null;
  /** Up to 10 keys as JSON text (`{"id":6}`); empty in the totals. */
  readonly sampleKeys: readonly string[];
}

export interface TableChangeSummary {
  readonly table: string;
  readonly total: number;
  /** Only the decisions with rows. */
  readonly lines: readonly ChangeLine[];
}

export interface RunChangeSummary {
  /** Every category, zeros included (the view dims them). */
  readonly totals: readonly ChangeLine[];
  readonly total: number;
  /** Tables with differing rows, in the run's order. */
  readonly tables: readonly TableChangeSummary[];
  /** Tables compared whole and found equal. */
  readonly equalTables: readonly string[];
}

const sides: readonly SideName[] = ['local', 'cloud'];

function sideCounts(counts: { readonly local: number; readonly cloud: number }): SideCount[] {
  return sides.map((side) => ({ side, count: counts[side] }));
}

/** One table's changes as lines, every category in order. */
export function changeLines(changes: TableChanges): ChangeLine[] {
  return changeCategories.map((category): ChangeLine => {
    const sampleKeys = changes.sampleKeys[category];
    switch (category) {
      case 'copied':
      case 'deleted':
      case 'changed': {
        const bySide = sideCounts(changes[category]);
        const count = bySide.reduce((sum, part) => sum + part.count, 0);
        return { category, count, bySide, sampleKeys };
      }
      case 'conflicts':
      case 'undecided':
        return { category, count: changes[category], bySide: null, sampleKeys };
    }
  });
}

function addLines(sum: readonly ChangeLine[], lines: readonly ChangeLine[]): ChangeLine[] {
  return sum.map((line, index) => {
    const other = lines[index];
    if (other === undefined) return line;
    return {
      category: line.category,
      count: line.count + other.count,
      bySide:
        line.bySide === null || other.bySide === null
          ? line.bySide
          : line.bySide.map((part, sideIndex) => ({
              side: part.side,
              count: part.count + (other.bySide?.[sideIndex]?.count ?? 0),
            })),
      sampleKeys: [],
    };
  });
}

const emptyTotals: readonly ChangeLine[] = changeCategories.map((category) => ({
  category,
  count: 0,
  bySide: category === 'conflicts' || category === 'undecided' ? null : sideCounts({ local: 0, cloud: 0 }),
  sampleKeys: [],
}));

export function summarizeRunChanges(run: Pick<RunProgress, 'tables'>): RunChangeSummary {
  let totals: readonly ChangeLine[] = emptyTotals;
  const tables: TableChangeSummary[] = [];
  const equalTables: string[] = [];
  for (const table of run.tables) {
    const lines = changeLines(table.changes);
    totals = addLines(totals, lines);
    const total = differingRows(table.changes);
    if (total > 0) {
      tables.push({ table: table.table, total, lines: lines.filter((line) => line.count > 0) });
    } else if (table.state === 'done') {
      equalTables.push(table.table);
    }
  }
  return {
    totals,
    total: totals.reduce((sum, line) => sum + line.count, 0),
    tables,
    equalTables,
  };
}

export interface CategoryWording {
  /** `Would copy` (preview) or `Copied` (a real run). */
  readonly title: string;
  readonly explanation: string;
  /** How one side's share reads: `to cloud`, `on local`, `local wins`. */
  readonly sidePhrase: ((side: SideName) => string) | null;
}

/** The words for a category, for a preview (`dryRun`) or for what a run did. */
export function categoryWording(category: ChangeCategory, dryRun: boolean): CategoryWording {
  switch (category) {
    case 'copied':
      return {
        title: dryRun ? 'Would copy' : 'Copied',
        explanation: 'rows on one side only, copied to the other',
        sidePhrase: (side) => `to ${side}`,
      };
    case 'deleted':
      return {
        title: dryRun ? 'Would delete' : 'Deleted',
        explanation:
          'rows deleted: a delete on the other side replayed (bidirectional), or target rows the source lacks (one-way)',
        sidePhrase: (side) => `on ${side}`,
      };
    case 'changed':
      return {
        title: dryRun ? 'Would change' : 'Changed',
        explanation:
          'rows on both sides that differ, settled by the table’s strategy: counted by the side whose version both sides end with',
        sidePhrase: (side) => `${side} wins`,
      };
    case 'conflicts':
      return {
        title: dryRun ? 'Would list as conflicts' : 'Listed as conflicts',
        explanation:
          'differing rows left for a person (the manual strategy): resolve them on the Conflicts screen',
        sidePhrase: null,
      };
    case 'undecided':
      return {
        title: dryRun ? 'Would leave undecided' : 'Left undecided',
        explanation:
          'rows on one side only whose binlogs cannot tell whether they were added there or deleted on the other side: left as they are and listed as conflicts (insert or delete?)',
        sidePhrase: null,
      };
  }
}

/**
 * How the line splits by side, zero sides left out: `to local 2 · to cloud 3`, or only `to cloud` when all its
 * rows went one way; empty when the line has no sides or no rows.
 */
export function sideBreakdown(line: ChangeLine, wording: CategoryWording): string {
  const phrase = wording.sidePhrase;
  if (line.bySide === null || phrase === null) return '';
  const parts = line.bySide.filter((part) => part.count > 0);
  const [only] = parts;
  if (parts.length === 1 && only !== undefined) return phrase(only.side);
  return parts.map((part) => `${phrase(part.side)} ${formatCount(part.count)}`).join(' · ');
}

/** Rows of a table that differ, whatever was decided for them. */
export function differingRows(changes: TableChanges): number {
  return changeLines(changes).reduce((sum, line) => sum + line.count, 0);
}
