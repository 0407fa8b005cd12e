/** The adoption benchmark's judged figures: medians, ratios, and whether any row was transferred. */
import { checkpointTableName } from '../../services/core-sync/src/target/index.js';
import { median } from '../support/stats.js';
import { changedRowCount, type AdoptionRun } from './adoption-run.js';
import { dataTablesWritten } from './binlog-writes.js';
import type { AdoptionRound, BareRound, ScenarioFigures } from './measure.js';

/** Issue 17's bar: adopting identical tables takes at most this many times a bare compare of them. */
export const ratioLimit = 1.5;

export function bareRounds(figures: ScenarioFigures): BareRound[] {
  return figures.rounds.filter((round): round is BareRound => round.contender === 'bare-compare');
}

export function adoptionRounds(figures: ScenarioFigures): AdoptionRound[] {
  return figures.rounds.filter((round): round is AdoptionRound => round.contender === 'adoption');
}

export function adoptionTotalMs(run: AdoptionRun): number {
  return run.startUpMs + run.runMs;
}

export interface Medians {
  readonly bareMs: number;
  readonly startUpMs: number;
  readonly runMs: number;
  /** The run's own start-to-end (row estimates and walks), and what came after it until idle. */
  readonly compareMs: number;
  readonly afterCompareMs: number;
  /** The run's row estimates timed by hand after each bare compare. */
  readonly rowCountsMs: number;
  readonly totalMs: number;
  /** Adoption (start-up + run) ÷ bare compare: the judged ratio. */
  readonly totalRatio: number;
  /** The adoption run alone ÷ bare compare. */
  readonly runRatio: number;
}

export function medians(figures: ScenarioFigures): Medians {
  const adoptions = adoptionRounds(figures).map((round) => round.result);
  const bare = bareRounds(figures);
  const bareMs = median(bare.map((round) => round.result.durationMs));
  const runMs = median(adoptions.map((run) => run.runMs));
  const totalMs = median(adoptions.map(adoptionTotalMs));
  return {
    bareMs,
    startUpMs: median(adoptions.map((run) => run.startUpMs)),
    runMs,
    compareMs: median(adoptions.map((run) => run.compareMs)),
    afterCompareMs: median(adoptions.map((run) => run.runMs - run.compareMs)),
    rowCountsMs: median(bare.map((round) => round.rowCountsMs)),
    totalMs,
    totalRatio: totalMs / bareMs,
    runRatio: runMs / bareMs,
  };
}

/** Per round: adoption (start-up + run) ÷ the bare compare of the same round. */
export function roundRatios(figures: ScenarioFigures): { total: number; run: number }[] {
  const bare = bareRounds(figures);
  return adoptionRounds(figures).flatMap((adoption) => {
    const compare = bare.find((round) => round.round === adoption.round);
    if (compare === undefined) return [];
    return [
      {
        total: adoptionTotalMs(adoption.result) / compare.result.durationMs,
        run: adoption.result.runMs / compare.result.durationMs,
      },
    ];
  });
}

/** What an adoption run did that it should not have on identical tables (nothing: an empty list). */
export function transferProblems(run: AdoptionRun, tableNames: readonly string[]): string[] {
  const problems: string[] = [];
  if (run.rowsChanged !== 0) problems.push(`rowsChanged ${run.rowsChanged}`);
  for (const table of run.tables) {
    if (changedRowCount(table) !== 0)
      problems.push(`${table.table}: changes ${JSON.stringify(table.changes)}`);
  }
  if (run.rowsAppliedByStreams !== 0) problems.push(`the streams applied ${run.rowsAppliedByStreams} rows`);
  for (const side of ['local', 'cloud'] as const) {
    const dataTables = dataTablesWritten(run.binlogWrites[side], checkpointTableName);
    if (dataTables.length > 0) problems.push(`${side}'s binlog has rows of ${dataTables.join(', ')}`);
  }
  const notAdopted = tableNames.filter((table) => !run.adoptingAtStart.includes(table));
  if (notAdopted.length > 0) problems.push(`not adopted at the start: ${notAdopted.join(', ')}`);
  if (run.adoptingAfter.length > 0)
    problems.push(`still adopting after the run: ${run.adoptingAfter.join(', ')}`);
  const conflicts = Object.values(run.conflicts).reduce((total, count) => total + count, 0);
  if (conflicts > 0) problems.push(`${conflicts} conflicts`);
  return problems;
}

/** Every adoption round's problems, `round N: …`. */
export function allTransferProblems(figures: ScenarioFigures): string[] {
  return adoptionRounds(figures).flatMap((round) =>
    transferProblems(round.result, figures.scenario.tables).map(
      (problem) => `round ${round.round}: ${problem}`,
    ),
  );
}
