/**
 * Two revisions of the service side by side in one run (`--against=<revision>`), because the machine is shared
 * and noisy: figures of different runs cannot be compared. The candidate is the service the benchmark measures
 * anyway (HEAD, or `BENCH_SERVICE_REVISION`, or the working tree); the contender is the revision named. The
 * benchmark runs the same workload, on freshly prepared data, once per revision per round, `--repeat` rounds,
 * with the order alternating (contender, candidate, candidate, contender, …) so neither always goes first. The
 * figures are compared by their median per revision and the ratio candidate ÷ contender.
 */
import { median } from './stats.js';
import {
  candidateSource,
  childCommand,
  commitSource,
  describeServiceSource,
  type ServiceSource,
} from './service-process.js';
import { markdownTable } from './report.js';
import { numberOption } from './cli.js';

/** Issue 14's bar: a candidate more than 15 % slower than its contender needs a profile and a reason. */
export const slowerLimit = 0.15;

export type RevisionRole = 'contender' | 'candidate';

export interface RevisionContestant {
  readonly role: RevisionRole;
  /** As named on the command line or in the environment (`HEAD~3`, `HEAD`). */
  readonly revision: string;
  readonly source: ServiceSource;
}

export interface RevisionRound<Figures> {
  readonly round: number;
  readonly contestant: RevisionContestant;
  readonly figures: Figures;
}

/**
 * One figure compared between the revisions. `better` says which way is an improvement; `context` figures are
 * shown and compared but not judged (the load a round saw, memory).
 */
export interface RevisionMetric<Figures> {
  readonly name: string;
  readonly better: 'higher' | 'lower' | 'context';
  readonly valueOf: (figures: Figures) => number;
  readonly format: (value: number) => string;
}

interface MetricComparison {
  readonly name: string;
  readonly better: 'higher' | 'lower' | 'context';
  readonly contenderMedian: string;
  readonly candidateMedian: string;
  /** Candidate ÷ contender of the medians. */
  readonly ratio: number;
  /** How much worse the candidate is (0.2 = 20 % slower), negative when better; NaN for context figures. */
  readonly slowdown: number;
}

export interface RevisionSettings {
  readonly against: string;
  readonly repeat: number;
}

/** `--against` and `--repeat` (rounds per revision, default 2); undefined without `--against`. */
export function revisionSettings(options: {
  against?: string | undefined;
  repeat?: string | undefined;
}): RevisionSettings | undefined {
  if (options.against === undefined) {
    if (options.repeat !== undefined) throw new Error('--repeat counts the rounds of --against: name both');
    return undefined;
  }
  return { against: options.against, repeat: Math.round(numberOption(options.repeat, 2, 'repeat')) };
}

/** The contender (`against`) and the candidate (the benchmark's own service), resolved to commits. */
export async function revisionContestants(
  against: string,
): Promise<readonly [RevisionContestant, RevisionContestant]> {
  const contender: RevisionContestant = {
    role: 'contender',
    revision: against,
    source: await commitSource(against),
  };
  const candidate: RevisionContestant = {
    role: 'candidate',
    revision: process.env.BENCH_SERVICE_REVISION ?? 'HEAD',
    source: await candidateSource(),
  };
  return [contender, candidate];
}

/** `contender HEAD~1 (commit 020b4ed)` */
export function describeContestant(contestant: RevisionContestant): string {
  const source = describeServiceSource(contestant.source);
  return contestant.source.kind === 'commit'
    ? `${contestant.role} ${contestant.revision} (${source})`
    : `${contestant.role} ${source}`;
}

/** Runs `measureRound` for each revision in every round, the order alternating; returns every round's figures. */
export async function runRevisionRounds<Figures>(
  contestants: readonly [RevisionContestant, RevisionContestant],
  repeat: number,
  measureRound: (contestant: RevisionContestant, round: number) => Promise<Figures>,
): Promise<RevisionRound<Figures>[]> {
  // Both children compiled before the first round, so the rounds follow each other closely.
  for (const contestant of contestants) await childCommand('service-child', contestant.source);
  const rounds: RevisionRound<Figures>[] = [];
  for (let round = 1; round <= repeat; round += 1) {
    const order = round % 2 === 1 ? [...contestants] : [...contestants].reverse();
    for (const contestant of order) {
      console.log(`  round ${round} of ${repeat}: ${describeContestant(contestant)}`);
      rounds.push({ round, contestant, figures: await measureRound(contestant, round) });
    }
  }
  return rounds;
}

function slowdownOf(better: RevisionMetric<unknown>['better'], ratio: number): number {
  switch (better) {
    case 'higher':
      return 1 - ratio;
    case 'lower':
      return ratio - 1;
    case 'context':
      return Number.NaN;
  }
}

/** Medians per revision and their ratio, for every metric. */
function compareRevisions<Figures>(
  rounds: readonly RevisionRound<Figures>[],
  metrics: readonly RevisionMetric<Figures>[],
): MetricComparison[] {
  return metrics.map((metric) => {
    const medianOf = (role: RevisionRole): number =>
      median(
        rounds
          .filter((round) => round.contestant.role === role)
          .map((round) => metric.valueOf(round.figures)),
      );
    const contenderMedian = medianOf('contender');
    const candidateMedian = medianOf('candidate');
    const ratio = candidateMedian / contenderMedian;
    return {
      name: metric.name,
      better: metric.better,
      contenderMedian: metric.format(contenderMedian),
      candidateMedian: metric.format(candidateMedian),
      ratio,
      slowdown: slowdownOf(metric.better, ratio),
    };
  });
}

/** A Markdown table of every round: round, revision, then one column per metric. */
function roundsTable<Figures>(
  rounds: readonly RevisionRound<Figures>[],
  metrics: readonly RevisionMetric<Figures>[],
): string {
  return markdownTable(
    ['Round', 'Revision', ...metrics.map((metric) => metric.name)],
    rounds.map((round) => [
      String(round.round),
      describeContestant(round.contestant),
      ...metrics.map((metric) => metric.format(metric.valueOf(round.figures))),
    ]),
  );
}

function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a';
}

/** A Markdown table of the medians per revision and their ratio. */
function comparisonTable(
  comparisons: readonly MetricComparison[],
  contestants: readonly [RevisionContestant, RevisionContestant],
): string {
  const [contender, candidate] = contestants;
  return markdownTable(
    [
      'Median of the rounds',
      describeContestant(contender),
      describeContestant(candidate),
      'Candidate ÷ contender',
    ],
    comparisons.map((comparison) => [
      comparison.name,
      comparison.contenderMedian,
      comparison.candidateMedian,
      formatRatio(comparison.ratio) +
        (comparison.better === 'context' ? '' : ` (${comparison.better} is better)`),
    ]),
  );
}

/** One line per judged metric: the ratio, and whether the candidate is more than 15 % worse. */
function comparisonVerdicts(comparisons: readonly MetricComparison[]): string[] {
  return comparisons
    .filter((comparison) => comparison.better !== 'context')
    .map((comparison) => {
      const figures = `${comparison.name}: candidate ${comparison.candidateMedian}, contender ${comparison.contenderMedian}, ratio ${formatRatio(comparison.ratio)}`;
      const percent = `${Math.abs(comparison.slowdown * 100).toFixed(0)} %`;
      if (comparison.slowdown <= 0) return `${figures} (${percent} better)`;
      if (comparison.slowdown <= slowerLimit)
        return `${figures} (${percent} worse, within ${slowerLimit * 100} %)`;
      // Also when a median is missing or unbounded (a drain that never ended): flagged rather than passed.
      const worse = Number.isNaN(comparison.slowdown)
        ? 'not comparable'
        : Number.isFinite(comparison.slowdown)
          ? `${percent} worse`
          : 'unbounded';
      return `${figures} (${worse}): MORE THAN ${slowerLimit * 100} % WORSE, issue 14 asks for a profile and a reason`;
    });
}

/** The paragraph every A/B section carries: what was compared and how. */
function revisionMethod(
  contestants: readonly [RevisionContestant, RevisionContestant],
  repeat: number,
): string {
  const [contender, candidate] = contestants;
  return (
    `Same-run A/B (\`--against\`): the same workload, on freshly prepared data, for the ${describeContestant(contender)} ` +
    `and the ${describeContestant(candidate)}, ${repeat} round${repeat === 1 ? '' : 's'} each, the order alternating ` +
    '(contender first in odd rounds, candidate first in even ones). Each runs its own service sources with this ' +
    "run's benchmark code, in a fresh child per phase. The figures below compare the medians of each revision's rounds; a ratio is candidate " +
    `÷ contender, and a candidate more than ${slowerLimit * 100} % worse on a judged figure needs a profile and a reason. ` +
    "The description above gives the first round's figures."
  );
}

export interface RevisionReport {
  /** The A/B part of the benchmark's section: method, every round, medians and ratios, verdicts. */
  readonly markdown: string;
  /** The verdict lines, to print. */
  readonly verdicts: readonly string[];
}

/**
 * The A/B's report. `roundFailure` checks one round's figures (the target equals the source, …) and returns
 * what went wrong, or undefined; `allPassed` is the line when no round failed.
 */
export function revisionReport<Figures>(measured: {
  readonly contestants: readonly [RevisionContestant, RevisionContestant];
  readonly rounds: readonly RevisionRound<Figures>[];
  readonly metrics: readonly RevisionMetric<Figures>[];
  readonly roundFailure: (figures: Figures) => string | undefined;
  readonly allPassed: string;
}): RevisionReport {
  const { contestants, rounds, metrics } = measured;
  const comparisons = compareRevisions(rounds, metrics);
  const failures = rounds.flatMap((round) => {
    const failure = measured.roundFailure(round.figures);
    return failure === undefined
      ? []
      : [`round ${round.round}, ${describeContestant(round.contestant)}: ${failure}`];
  });
  const verdicts = [
    ...comparisonVerdicts(comparisons),
    ...(failures.length === 0 ? [measured.allPassed] : failures),
  ];
  const repeat = Math.max(0, ...rounds.map((round) => round.round));
  const markdown = [
    revisionMethod(contestants, repeat),
    roundsTable(rounds, metrics),
    comparisonTable(comparisons, contestants),
    verdicts.map((line) => `- ${line}`).join('\n'),
  ].join('\n\n');
  return { markdown, verdicts };
}
