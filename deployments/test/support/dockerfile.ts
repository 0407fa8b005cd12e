/** A small Dockerfile reader: enough to assert invariants over stages and instructions. */
import { readRepositoryFile } from './repository.js';

export interface Instruction {
  /** Upper case: FROM, RUN, COPY… */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  readonly argument: string;
}

export interface Stage {
  readonly name: string | undefined;
  readonly baseImage: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  readonly path: string;
  /** ARGs declared before the first FROM (their defaults). */
  readonly globalArguments: ReadonlyMap<string, string>;
  readonly stages: readonly Stage[];
}

/** Joins `\`-continued lines and drops comments and blank lines (comment lines inside a continuation too). */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trimEnd();
    if (line.trimStart().startsWith('#') || line.trim() === '') continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push(current + line);
    current = '';
  }
  if (current.trim() !== '') lines.push(current);
  return lines;
}

export function readDockerfile(relativePath: string): Dockerfile {
  const globalArguments = new Map<string, string>();
  const stages: { name: string | undefined; baseImage: string; instructions: Instruction[] }[] = [];
  for (const line of logicalLines(readRepositoryFile(relativePath))) {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/s.exec(line);
    if (match === null) throw new Error(`${relativePath}: cannot read the line ${JSON.stringify(line)}`);
    const keyword = (match[1] ?? '').toUpperCase();
    const argument = (match[2] ?? '').trim();
    if (keyword === 'FROM') {
      const [image = '', , stageName] = argument.split(/\s+/);
      stages.push({ name: stageName, baseImage: image, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) {
      if (keyword !== 'ARG') throw new Error(`${relativePath}: ${keyword} before the first FROM`);
      const [name = '', defaultValue = ''] = argument.split('=', 2);
      globalArguments.set(name, defaultValue);
      continue;
    }
    stage.instructions.push({ keyword, argument });
  }
  return { path: relativePath, globalArguments, stages };
}

export function finalStage(dockerfile: Dockerfile): Stage {
  const stage = dockerfile.stages.at(-1);
  if (stage === undefined) throw new Error(`${dockerfile.path} has no FROM`);
  return stage;
}

export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** The base image with `${ARG}` references replaced by the global ARG defaults. */
export function resolvedBaseImage(dockerfile: Dockerfile, stage: Stage): string {
  return stage.baseImage.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (reference, name: string) => {
    return dockerfile.globalArguments.get(name) ?? reference;
  });
}

export interface CopyInstruction {
  /** The stage it copies from (`--from=`), or undefined for the build context. */
  readonly fromStage: string | undefined;
  readonly sources: readonly string[];
  readonly destination: string;
}

export function copyInstructions(stage: Stage): CopyInstruction[] {
  return instructionsOf(stage, 'COPY').map((instruction) => {
    const words = instruction.argument.split(/\s+/);
    const flags = words.filter((word) => word.startsWith('--'));
    const paths = words.filter((word) => !word.startsWith('--'));
    const fromFlag = flags.find((flag) => flag.startsWith('--from='));
    return {
      fromStage: fromFlag?.slice('--from='.length),
      sources: paths.slice(0, -1),
      destination: paths.at(-1) ?? '',
    };
  });
}
