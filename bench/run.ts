/**
 * Runs the benchmarks one after the other (`npm run bench`), or the ones named:
 *
 *   node --import tsx bench/run.ts [snapshot] [lag] [catch-up] [sysbench] [bidirectional] [sysbench-bidirectional]
 *     [full-sync] [adoption] [many-tables] [sse-clients] [sse-memory] [-- options of a single benchmark]
 *
 * Each benchmark is also a script of its own (`node --import tsx bench/<name>.bench.ts --help` for its options).
 */
import { runStandalone, type Benchmark } from './support/cli.js';

const benchmarks: Record<string, () => Promise<Benchmark>> = {
  snapshot: async () => (await import('./snapshot.bench.js')).runSnapshotBenchmark,
  lag: async () => (await import('./lag.bench.js')).runLagBenchmark,
  'catch-up': async () => (await import('./catch-up.bench.js')).runCatchUpBenchmark,
  sysbench: async () => (await import('./sysbench.bench.js')).runSysbenchBenchmark,
  bidirectional: async () => (await import('./bidirectional.bench.js')).runBidirectionalBenchmark,
  'sysbench-bidirectional': async () =>
    (await import('./sysbench-bidirectional.bench.js')).runSysbenchBidirectionalBenchmark,
  'full-sync': async () => (await import('./full-sync.bench.js')).runFullSyncBenchmark,
  adoption: async () => (await import('./adoption.bench.js')).runAdoptionBenchmark,
  'many-tables': async () => (await import('./many-tables.bench.js')).runManyTablesBenchmark,
  'sse-clients': async () => (await import('./sse-clients.bench.js')).runSseClientsBenchmark,
  'sse-memory': async () => (await import('./sse-memory.bench.js')).runSseMemoryBenchmark,
};

async function runBenchmarks(argumentList: readonly string[]): Promise<void> {
  const separator = argumentList.indexOf('--');
  const names = separator < 0 ? [...argumentList] : argumentList.slice(0, separator);
  const options = separator < 0 ? [] : argumentList.slice(separator + 1);
  const selected = names.length === 0 ? Object.keys(benchmarks) : names;
  const unknown = selected.filter((name) => !(name in benchmarks));
  if (unknown.length > 0) {
    throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
  }
  if (options.length > 0 && selected.length !== 1) {
    throw new Error('options after -- apply to one benchmark: name exactly one');
  }
  for (const name of selected) {
    const loadBenchmark = benchmarks[name];
    if (loadBenchmark === undefined) continue;
    console.log(`\n=== ${name} ===`);
    await (
      await loadBenchmark()
    )(options);
  }
}

await runStandalone(runBenchmarks);
