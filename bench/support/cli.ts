/**
 * How a benchmark script runs: alone (`node --import tsx bench/<name>.bench.ts [options]`) or from
 * `bench/run.ts`, which calls the same exported function with the options that follow the benchmark's name.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** A benchmark: takes its command-line options (after its name), prints and reports its figures. */
export type Benchmark = (argumentList: readonly string[]) => Promise<void>;

/** Whether the module at `moduleUrl` is the script node was started with. */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && path.resolve(script) === fileURLToPath(moduleUrl);
}

/** Runs a benchmark as the process's main program: failures print and set a non-zero exit code. */
export async function runStandalone(benchmark: Benchmark): Promise<void> {
  try {
    await benchmark(process.argv.slice(2));
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}

/** Parses `--name=value` options (all strings) and rejects anything else with a usage line. */
export function parseOptions<Name extends string>(
  argumentList: readonly string[],
  names: readonly Name[],
  usage: string,
): Partial<Record<Name, string>> {
  try {
    const { values } = parseArgs({
      args: [...argumentList],
      options: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    });
    return values as Partial<Record<Name, string>>;
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nusage: ${usage}`, {
      cause: error,
    });
  }
}

/** A positive number option (`--seconds=30`), or its default. */
export function numberOption(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value.replaceAll('_', ''));
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number`);
  return parsed;
}

/** A yes-or-no option (`--native=0`, `--native=1`), or its default. */
export function switchOption(value: string | undefined, fallback: boolean, name: string): boolean {
  if (value === undefined) return fallback;
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw new Error(`--${name} must be 1 or 0 (true or false), got ${JSON.stringify(value)}`);
}

/** A comma-separated list of positive numbers (`--rows=100000,1000000`), or its default. */
export function numberListOption(
  value: string | undefined,
  fallback: readonly number[],
  name: string,
): number[] {
  if (value === undefined) return [...fallback];
  return value.split(',').map((part) => numberOption(part.trim(), Number.NaN, name));
}
