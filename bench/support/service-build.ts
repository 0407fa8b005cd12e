/**
 * Building the service child for a benchmark: which service a child runs (a commit, HEAD by default or
 * `BENCH_SERVICE_REVISION`; the working tree with `BENCH_SERVICE_SOURCE=worktree`; through tsx with
 * `BENCH_SERVICE_RUNNER=tsx`) and its compilation. A commit's service sources are extracted with `git archive`
 * (work in progress in the working tree does not leak in), bench/support is added as it is, and tsc compiles
 * both into bench/dist/<short commit>/ (git-ignored; bench/dist/worktree/ for the working tree), once per
 * benchmark process and revision, so one process can start children of two revisions (an A/B in the same run).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describeSyncSettings, environmentSyncSettings } from './service-config.js';

const execFileAsync = promisify(execFile);
const supportDirectory = path.dirname(fileURLToPath(import.meta.url));
const benchDirectory = path.dirname(supportDirectory);
const repositoryRoot = path.dirname(benchDirectory);
const compiledDirectory = path.join(benchDirectory, 'dist');

/**
 * Which service a child runs: one commit's sources compiled (`commit` is its short hash), the working tree
 * compiled, or the working tree loaded through tsx.
 */
export type ServiceSource =
  | { readonly kind: 'commit'; readonly commit: string }
  | { readonly kind: 'worktree' }
  | { readonly kind: 'tsx' };

/** The sources that are compiled into bench/dist. */
type CompiledSource = Exclude<ServiceSource, { kind: 'tsx' }>;

/** Compiled children by directory under bench/dist (short commit or `worktree`): the entry of service-child.js. */
const compiledEntries = new Map<string, Promise<string>>();
/** The sources children were started from in this process, for the reports. */
const sourcesUsed = new Set<string>();
let candidate: Promise<ServiceSource> | undefined;

export function describeServiceSource(source: ServiceSource): string {
  switch (source.kind) {
    case 'commit':
      return `commit ${source.commit}`;
    case 'worktree':
      return 'the working tree (BENCH_SERVICE_SOURCE=worktree)';
    case 'tsx':
      return 'the working tree through tsx (BENCH_SERVICE_RUNNER=tsx)';
  }
}

/** A commit's service: `revision` is anything `git rev-parse` takes (`HEAD~3`, a hash, a branch). */
export async function commitSource(revision: string): Promise<ServiceSource> {
  if (!/^[\w./^~-]+$/.test(revision)) throw new Error(`${revision} is not a revision`);
  try {
    const { stdout } = await execFileAsync('git', [
      '-C',
      repositoryRoot,
      'rev-parse',
      '--verify',
      '--short',
      `${revision}^{commit}`,
    ]);
    return { kind: 'commit', commit: stdout.trim() };
  } catch (error) {
    throw new Error(`git does not know the revision ${revision}`, { cause: error });
  }
}

/**
 * The service measured by default (the candidate of an A/B): the working tree through tsx
 * (`BENCH_SERVICE_RUNNER=tsx`) or compiled (`BENCH_SERVICE_SOURCE=worktree`), else `BENCH_SERVICE_REVISION` or
 * HEAD as committed. Resolved once per process.
 */
export async function candidateSource(): Promise<ServiceSource> {
  candidate ??= (async (): Promise<ServiceSource> => {
    if (process.env.BENCH_SERVICE_RUNNER === 'tsx') return { kind: 'tsx' };
    if (process.env.BENCH_SERVICE_SOURCE === 'worktree') return { kind: 'worktree' };
    // BENCH_SERVICE_REVISION=<commit> measures another commit's service with today's benchmark.
    return commitSource(process.env.BENCH_SERVICE_REVISION ?? 'HEAD');
  })();
  return candidate;
}

/** The tree to compile: a commit's service sources with the benchmark's support files, or the working tree. */
async function sourceTree(source: CompiledSource): Promise<string> {
  if (source.kind === 'worktree') return repositoryRoot;
  const tree = path.join(compiledDirectory, source.commit, 'tree');
  await mkdir(tree, { recursive: true });
  const archive = `git -C '${repositoryRoot}' archive '${source.commit}' services/core-sync/src tsconfig.base.json ':(exclude)*.test.ts'`;
  await execFileAsync('bash', ['-o', 'pipefail', '-c', `${archive} | tar -x -C '${tree}'`]);
  await cp(supportDirectory, path.join(tree, 'bench', 'support'), { recursive: true });
  await cp(path.join(benchDirectory, 'tsconfig.json'), path.join(tree, 'bench', 'tsconfig.json'));
  return tree;
}

/** Compiles the service child of `source` into bench/dist/<short commit or worktree>/; returns its entry. */
async function compileChild(source: CompiledSource): Promise<string> {
  const directoryName = source.kind === 'commit' ? source.commit : 'worktree';
  const revisionDirectory = path.join(compiledDirectory, directoryName);
  const startedAt = performance.now();
  await rm(revisionDirectory, { recursive: true, force: true });
  const root = await sourceTree(source);
  const outDirectory = path.join(revisionDirectory, 'out');
  const compiler = path.join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const compilerArguments = ['-p', path.join(root, 'bench', 'tsconfig.json'), '--noEmit', 'false'];
  compilerArguments.push('--outDir', outDirectory, '--rootDir', root);
  try {
    await execFileAsync(process.execPath, [compiler, ...compilerArguments], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    // Type errors still emit JavaScript: say so, and go on if the entry exists.
    const output = (error as { stdout?: string }).stdout ?? String(error);
    console.error(`tsc reported problems while compiling the service child:\n${output.slice(0, 4_000)}`);
  }
  const entry = path.join(outDirectory, 'bench', 'support', 'service-child.js');
  if (!existsSync(entry)) throw new Error(`compiling the service child produced no ${entry}`);
  console.log(
    `  (compiled the service child from ${describeServiceSource(source)} in ${((performance.now() - startedAt) / 1000).toFixed(1)} s)`,
  );
  return entry;
}

/**
 * How to fork a child entry of bench/support (`service-child` unless named) for `source` (the candidate unless
 * given), compiled (once per process and source) or through tsx.
 */
export async function childCommand(
  entryName = 'service-child',
  source?: ServiceSource,
): Promise<{ entry: string; execArgv: string[] }> {
  const childSource = source ?? (await candidateSource());
  const extraOptions = process.env.BENCH_SERVICE_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [];
  sourcesUsed.add(describeServiceSource(childSource));
  if (childSource.kind === 'tsx') {
    return {
      entry: path.join(supportDirectory, `${entryName}.ts`),
      execArgv: ['--import', 'tsx', ...extraOptions],
    };
  }
  const directoryName = childSource.kind === 'commit' ? childSource.commit : 'worktree';
  let compiled = compiledEntries.get(directoryName);
  if (compiled === undefined) {
    compiled = compileChild(childSource);
    compiledEntries.set(directoryName, compiled);
  }
  const serviceEntry = await compiled;
  return { entry: path.join(path.dirname(serviceEntry), `${entryName}.js`), execArgv: extraOptions };
}

/** How the children ran, for the reports. */
export function serviceRunnerDescription(): string {
  const nodeOptions = process.env.BENCH_SERVICE_NODE_OPTIONS?.trim();
  const syncSettings = environmentSyncSettings();
  const sources = [...sourcesUsed];
  return (
    `core-sync: ${sources.length === 0 ? 'not started yet' : sources.join(' and ')}` +
    (Object.keys(syncSettings).length === 0 ? '' : `, sync settings ${describeSyncSettings(syncSettings)}`) +
    (compiledEntries.size === 0 ? '' : ', compiled to JavaScript') +
    (nodeOptions === undefined || nodeOptions === '' ? '' : `, child node options \`${nodeOptions}\``)
  );
}
