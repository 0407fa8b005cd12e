/**
 * How a benchmark that can compare two revisions runs (catch-up, sysbench): it prints the command and the
 * machine, then either measures once with the candidate's service and writes its section of docs/BENCHMARKS.md
 * (heading, the run's context, what the workload did, the figures' table, the verdicts), or, with `--against`,
 * measures the A/B's rounds and writes their report (support/revision-rounds.ts) in the same section, after the
 * first round's workload description. Either way it prints the verdicts.
 */
import { describeMachine, machineSummary } from './machine.js';
import { invokedCommand, runContext, writeReportSection, type SectionName } from './report.js';
import {
  revisionContestants,
  revisionReport,
  type RevisionContestant,
  type RevisionMetric,
  type RevisionRound,
  type RevisionSettings,
} from './revision-rounds.js';
import { benchServerArguments } from './servers.js';
import { candidateSource, serviceRunnerDescription, type ServiceSource } from './service-process.js';

export interface ComparableBenchmark<Figures> {
  /** Its section of docs/BENCHMARKS.md; also how the console lines name it. */
  readonly section: SectionName;
  /** The section's heading. */
  readonly title: string;
  /** One measurement with `serviceSource`'s service. */
  readonly measure: (serviceSource: ServiceSource) => Promise<Figures>;
  /** An A/B's rounds (runRevisionRounds over the benchmark's servers). */
  readonly measureRounds: (
    contestants: readonly [RevisionContestant, RevisionContestant],
    repeat: number,
  ) => Promise<readonly RevisionRound<Figures>[]>;
  /** What the workload does (`figures` of one run, or of an A/B's first round). */
  readonly describeWorkload: (figures: Figures) => string;
  /** One run's figures as a Markdown table. */
  readonly figuresTable: (figures: Figures) => string;
  /** One run's verdict lines. */
  readonly verdicts: (figures: Figures) => string[];
  /** The figures an A/B compares. */
  readonly revisionMetrics: readonly RevisionMetric<Figures>[];
  /** What went wrong in one A/B round (the target differs, …), or undefined. */
  readonly roundFailure: (figures: Figures) => string | undefined;
  /** The A/B's line when no round failed. */
  readonly allRoundsPassed: string;
}

/** Runs `benchmark` once, or as an A/B when `revisions` is given, and writes its section. */
export async function runComparableBenchmark<Figures>(
  benchmark: ComparableBenchmark<Figures>,
  revisions: RevisionSettings | undefined,
): Promise<void> {
  const command = invokedCommand();
  const machine = await describeMachine();
  console.log(`${benchmark.section} benchmark: ${command}\n  ${machineSummary(machine)}`);
  // Called once the measurement is done: it records the load average at the end.
  const context = (): string =>
    runContext(machine, command, [
      `Server settings: ${benchServerArguments.join(' ')}`,
      serviceRunnerDescription(),
    ]);
  if (revisions !== undefined) {
    await measureRevisions(benchmark, revisions, context);
  } else {
    const figures = await benchmark.measure(await candidateSource());
    const verdicts = benchmark.verdicts(figures);
    await writeReportSection(
      benchmark.section,
      sectionBody(benchmark.title, [
        context(),
        benchmark.describeWorkload(figures),
        benchmark.figuresTable(figures),
        verdicts.map((line) => `- ${line}`).join('\n'),
      ]),
    );
    for (const line of verdicts) console.log(line);
  }
  console.log(`wrote the ${benchmark.section} section of docs/BENCHMARKS.md`);
}

async function measureRevisions<Figures>(
  benchmark: ComparableBenchmark<Figures>,
  revisions: RevisionSettings,
  context: () => string,
): Promise<void> {
  const contestants = await revisionContestants(revisions.against);
  const rounds = await benchmark.measureRounds(contestants, revisions.repeat);
  const firstRound = rounds[0];
  if (firstRound === undefined) throw new Error('the A/B ran no round');
  const report = revisionReport({
    contestants,
    rounds,
    metrics: benchmark.revisionMetrics,
    roundFailure: benchmark.roundFailure,
    allPassed: benchmark.allRoundsPassed,
  });
  await writeReportSection(
    benchmark.section,
    sectionBody(benchmark.title, [
      context(),
      benchmark.describeWorkload(firstRound.figures),
      report.markdown,
    ]),
  );
  for (const line of report.verdicts) console.log(line);
}

/** The heading, then the paragraphs separated by blank lines. */
function sectionBody(title: string, paragraphs: readonly string[]): string {
  return `## ${title}\n\n${paragraphs.join('\n\n')}\n`;
}
