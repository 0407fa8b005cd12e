import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { SyncError, describeError, driverErrorCode } from '../errors/index.js';
import { crossFieldProblems } from './cross-checks.js';
import { deepFreeze, isRecord, withoutNulls } from './document-values.js';
import {
  applyEnvironmentOverrides,
  environmentPrefix,
  readEnvironmentOverrides,
  type EnvironmentOverride,
} from './environment.js';
import { formatKeyPath, invalidConfigError, orderProblems, type ConfigProblem } from './problems.js';
import { serviceConfigSchema } from './schema.js';
import type { ServiceConfig } from './types.js';
import { validateWithSchema } from './validation.js';

/** Where the configuration is read from when neither `configPath` nor `CONFIG_PATH` names a file. */
export const defaultConfigPath = './config.yaml';

export interface LoadConfigOptions {
  /** The YAML file; else the `CONFIG_PATH` environment variable; else `./config.yaml`. */
  readonly configPath?: string;
  /** Where `CONFIG_PATH` and the `MYSQL_SYNC_*` overrides are read; defaults to `process.env`. */
  readonly environment?: NodeJS.ProcessEnv;
  /** What relative paths are resolved against; defaults to `process.cwd()`. */
  readonly workingDirectory?: string;
}

/**
 * Reads the YAML file, applies the `MYSQL_SYNC_*` environment overrides, validates, and returns the deeply
 * frozen configuration.
 *
 * A missing file is `CONFIG_NOT_FOUND`, except when no path was given (neither `configPath` nor `CONFIG_PATH`)
 * and `MYSQL_SYNC_*` overrides exist: then the overrides alone are the configuration (handy for containers), and
 * whatever they leave out is reported as required. Anything invalid is one `CONFIG_INVALID` listing every problem.
 */
export function loadConfig(options: LoadConfigOptions = {}): ServiceConfig {
  const environment = options.environment ?? process.env;
  const requestedPath = nonEmpty(options.configPath) ?? nonEmpty(environment.CONFIG_PATH);
  const filePath = resolve(options.workingDirectory ?? process.cwd(), requestedPath ?? defaultConfigPath);
  const { overrides, problems: nameProblems } = readEnvironmentOverrides(environment);
  const text = readConfigFile(filePath, requestedPath === undefined && overrides.length > 0);
  const fileDocument = text === undefined ? {} : parseYaml(text, filePath);
  if (!isRecord(fileDocument)) return validateDocument(fileDocument, filePath, nameProblems, []);
  const overlay = applyEnvironmentOverrides(fileDocument, overrides);
  const source = describeSource(text === undefined ? undefined : filePath, filePath, overlay.applied);
  return validateDocument(overlay.document, source, [...nameProblems, ...overlay.problems], overlay.applied);
}

/**
 * Validates a document as if it were the config file: the `MYSQL_SYNC_*` overrides of `environment` apply on top,
 * as they would at the next start. Throws `CONFIG_INVALID` listing every problem.
 */
export function validateConfigDocument(
  document: unknown,
  source: string,
  environment: NodeJS.ProcessEnv = process.env,
): ServiceConfig {
  const { overrides, problems: nameProblems } = readEnvironmentOverrides(environment);
  if (!isRecord(document)) return validateDocument(document, source, nameProblems, []);
  const overlay = applyEnvironmentOverrides(document, overrides);
  return validateDocument(overlay.document, source, [...nameProblems, ...overlay.problems], overlay.applied);
}

/**
 * Validates an already-parsed document (snake_case keys, as in the YAML) and returns the deeply frozen
 * configuration; `source` names where it came from in the error message. Throws `CONFIG_INVALID`.
 */
export function parseConfig(document: unknown, source: string): ServiceConfig {
  return validateDocument(document, source, [], []);
}

function validateDocument(
  document: unknown,
  source: string,
  earlierProblems: readonly ConfigProblem[],
  overrides: readonly EnvironmentOverride[],
): ServiceConfig {
  const cleaned = withoutNulls(document ?? {});
  const validation = validateWithSchema(serviceConfigSchema, cleaned);
  const problems = [
    ...earlierProblems,
    ...orderProblems([...validation.problems, ...crossFieldProblems(cleaned)]).map((problem) =>
      attributeToOverride(problem, overrides),
    ),
  ];
  if (problems.length > 0) throw invalidConfigError(source, problems);
  if (validation.output === undefined) {
    throw new SyncError(
      'INTERNAL',
      `validating the configuration in ${source} produced neither a result nor an error`,
    );
  }
  return deepFreeze(validation.output);
}

function readConfigFile(filePath: string, missingIsFine: boolean): string | undefined {
  try {
    return readFileSync(filePath, 'utf8');
  } catch (error) {
    const missing = driverErrorCode(error) === 'ENOENT';
    if (missing && missingIsFine) return undefined;
    const what = missing
      ? `configuration file ${filePath} does not exist`
      : `cannot read configuration file ${filePath}`;
    throw new SyncError(
      'CONFIG_NOT_FOUND',
      `${what} (set CONFIG_PATH, or create it from config.example.yaml)`,
      {
        cause: error,
        details: { path: filePath },
      },
    );
  }
}

function parseYaml(text: string, filePath: string): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  if (document.errors.length > 0) {
    // The error messages, not yaml's pretty ones: those quote the source line, which may hold a password.
    const problems = document.errors.map((error) => {
      const position = lineCounter.linePos(error.pos[0]);
      return { path: `line ${position.line}, column ${position.col}`, message: error.message };
    });
    throw invalidConfigError(filePath, problems);
  }
  try {
    return document.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (error) {
    throw invalidConfigError(filePath, [{ path: '(root)', message: describeError(error) }]);
  }
}

function describeSource(
  readPath: string | undefined,
  filePath: string,
  applied: readonly EnvironmentOverride[],
): string {
  if (readPath === undefined) return `${environmentPrefix}* environment variables (no file at ${filePath})`;
  if (applied.length === 0) return readPath;
  return `${readPath} with ${applied.length} ${environmentPrefix}* override${applied.length === 1 ? '' : 's'}`;
}

/** Adds the variable that set a key to its problem, so a bad override is easy to find. */
function attributeToOverride(
  problem: ConfigProblem,
  overrides: readonly EnvironmentOverride[],
): ConfigProblem {
  let variable: string | undefined;
  let matchedLength = -1;
  for (const override of overrides) {
    const overridePath = formatKeyPath(override.path);
    const covers =
      problem.path === overridePath ||
      problem.path.startsWith(`${overridePath}.`) ||
      problem.path.startsWith(`${overridePath}[`);
    if (covers && overridePath.length > matchedLength) {
      variable = override.variable;
      matchedLength = overridePath.length;
    }
  }
  return variable === undefined
    ? problem
    : { ...problem, message: `${problem.message} (set by ${variable})` };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
