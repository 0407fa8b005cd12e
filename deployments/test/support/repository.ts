/** Paths and file helpers shared by the deployment checks. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function repositoryPath(relativePath: string): string {
  return path.join(repositoryRoot, relativePath);
}

export function readRepositoryFile(relativePath: string): string {
  return readFileSync(repositoryPath(relativePath), 'utf8');
}

export function repositoryFileExists(relativePath: string): boolean {
  return existsSync(repositoryPath(relativePath));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The field of a mapping, or undefined when the value is not a mapping. */
export function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

export function recordField(value: unknown, key: string): Record<string, unknown> {
  const found = field(value, key);
  return isRecord(found) ? found : {};
}

export function listField(value: unknown, key: string): unknown[] {
  const found = field(value, key);
  return Array.isArray(found) ? (found as unknown[]) : [];
}

export function stringField(value: unknown, key: string): string | undefined {
  const found = field(value, key);
  return typeof found === 'string' ? found : undefined;
}

/** Every document of a YAML text (empty ones dropped); a syntax error names the file and the line. */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  const documents = parseAllDocuments(text, { merge: true });
  const parsed: unknown[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) {
      const messages = document.errors.map((error) => error.message).join('; ');
      throw new Error(`${source} is not valid YAML: ${messages}`);
    }
    const value: unknown = document.toJS();
    if (value !== null && value !== undefined) parsed.push(value);
  }
  return parsed;
}

export function parseYamlDocument(text: string, source: string): unknown {
  const [document, ...rest] = parseYamlDocuments(text, source);
  if (rest.length > 0) throw new Error(`${source} holds ${rest.length + 1} YAML documents, expected one`);
  return document;
}

export interface CommandResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the command could not be started at all (ENOENT: not installed). */
  readonly spawnError: NodeJS.ErrnoException | undefined;
}

export function runCommand(
  command: string,
  args: readonly string[],
  options: { readonly environment?: NodeJS.ProcessEnv; readonly workingDirectory?: string } = {},
): CommandResult {
  const result = spawnSync(command, args, {
    cwd: options.workingDirectory ?? repositoryRoot,
    env: options.environment ?? process.env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return {
    exitCode: result.status,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    spawnError: result.error,
  };
}

/** Whether a command can be started (a missing binary is ENOENT; anything else counts as present). */
export function commandIsInstalled(command: string, versionArgs: readonly string[]): boolean {
  return runCommand(command, versionArgs).spawnError?.code !== 'ENOENT';
}
