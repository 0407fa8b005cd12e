import { parse as parseYaml } from 'yaml';
import { isRecord } from './document-values.js';
import { formatKeyPath, type ConfigProblem, type KeyPathSegment } from './problems.js';
import { describeError } from '../errors/index.js';

/**
 * Environment overrides: `MYSQL_SYNC_SERVER__AUTH_TOKEN=…` sets `server.auth_token`. After the prefix, `__`
 * separates key path segments, segments are lower-cased to match the YAML keys, and numeric segments index lists
 * (`MYSQL_SYNC_SYNC__TABLES__0__NAME`). Values are read as YAML (`8` → 8, `true` → true, `[a, b]` → a list),
 * except for keys that only ever hold text (passwords, tokens, names, the cron interval…), which are taken
 * verbatim so that a password like `0123` or `#secret` stays exactly what was written.
 *
 * Only names with at least one `__` are overrides (a section and a key): other `MYSQL_SYNC_*` variables, such as
 * the test harness's `MYSQL_SYNC_TEST_LOCAL_URL`, are not configuration and are left alone.
 */
export const environmentPrefix = 'MYSQL_SYNC_';

/** Keys whose value is always text; list keys here apply to their entries (`read_only_tokens__0`). */
const verbatimKeys: ReadonlySet<string> = new Set([
  'host',
  'user',
  'password',
  'database',
  'replication_user',
  'replication_password',
  'file_path',
  'ca_file',
  'cert_file',
  'key_file',
  'name',
  'timestamp_column',
  'interval',
  'auth_token',
  'read_only_tokens',
  'cors_origins',
  'primary_key',
  'trust_proxy',
]);

export interface EnvironmentOverride {
  readonly variable: string;
  readonly path: readonly KeyPathSegment[];
  readonly value: unknown;
}

export interface EnvironmentOverlay {
  /** A copy of the document with the overrides applied. */
  readonly document: Record<string, unknown>;
  /** The overrides that were applied, in the order they were applied. */
  readonly applied: readonly EnvironmentOverride[];
  /** Variables that could not be applied, named by variable (the key path is what they failed to reach). */
  readonly problems: readonly ConfigProblem[];
}

/** The `MYSQL_SYNC_*` variables in `environment`, shortest path first so a longer path refines a shorter one. */
export function readEnvironmentOverrides(environment: NodeJS.ProcessEnv): {
  readonly overrides: EnvironmentOverride[];
  readonly problems: ConfigProblem[];
} {
  const overrides: EnvironmentOverride[] = [];
  const problems: ConfigProblem[] = [];
  for (const [variable, text] of Object.entries(environment)) {
    if (!isOverrideName(variable) || text === undefined) continue;
    const segments = variable.slice(environmentPrefix.length).split('__');
    if (segments.some((segment) => segment === '')) {
      problems.push({ path: variable, message: 'has an empty key path segment (check the "__" separators)' });
      continue;
    }
    const path = segments.map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment.toLowerCase()));
    const parsed = parseOverrideValue(path, text);
    if ('problem' in parsed) problems.push({ path: variable, message: parsed.problem });
    else overrides.push({ variable, path, value: parsed.value });
  }
  overrides.sort(
    (first, second) =>
      first.path.length - second.path.length || first.variable.localeCompare(second.variable, 'en'),
  );
  return { overrides, problems };
}

export function isOverrideName(variable: string): boolean {
  return variable.startsWith(environmentPrefix) && variable.includes('__', environmentPrefix.length);
}

function parseOverrideValue(
  path: readonly KeyPathSegment[],
  text: string,
): { readonly value: unknown } | { readonly problem: string } {
  const lastKey = path.findLast((segment): segment is string => typeof segment === 'string');
  const isListEntry = typeof path.at(-1) === 'number';
  const listKeys = ['read_only_tokens', 'cors_origins', 'primary_key', 'trust_proxy'];
  const verbatim =
    lastKey !== undefined && verbatimKeys.has(lastKey) && (isListEntry || !listKeys.includes(lastKey));
  if (verbatim) return { value: text };
  try {
    return { value: parseYaml(text) as unknown };
  } catch (error) {
    return { problem: `is not a valid YAML value: ${describeError(error)}` };
  }
}

/** Applies `overrides` to a copy of `document`. */
export function applyEnvironmentOverrides(
  document: Record<string, unknown>,
  overrides: readonly EnvironmentOverride[],
): EnvironmentOverlay {
  const copy = structuredClone(document);
  const applied: EnvironmentOverride[] = [];
  const problems: ConfigProblem[] = [];
  for (const override of overrides) {
    const problem = setAtPath(copy, override.path, override.value);
    if (problem === undefined) applied.push(override);
    else problems.push({ path: override.variable, message: problem });
  }
  return { document: copy, applied, problems };
}

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return Array.isArray(value) || isRecord(value);
}

/** Sets the value at `path`, creating mappings and lists on the way; a message when the path cannot exist. */
function setAtPath(
  root: Record<string, unknown>,
  path: readonly KeyPathSegment[],
  value: unknown,
): string | undefined {
  let container: Container = root;
  for (const [position, segment] of path.entries()) {
    const containerPath = formatKeyPath(path.slice(0, position));
    if (Array.isArray(container)) {
      if (typeof segment !== 'number')
        return `${containerPath} is a list; use a numeric index instead of "${segment}"`;
      if (segment > container.length) {
        return `index ${segment} leaves a gap: ${containerPath} has ${container.length} entries (indexes start at 0)`;
      }
    } else if (typeof segment === 'number') {
      return `${containerPath} is a mapping, not a list`;
    }
    if (position === path.length - 1) {
      writeEntry(container, segment, value);
      return undefined;
    }
    let child = readEntry(container, segment);
    if (child === undefined || child === null) {
      child = typeof path[position + 1] === 'number' ? [] : {};
      writeEntry(container, segment, child);
    }
    if (!isContainer(child)) {
      return `${formatKeyPath(path.slice(0, position + 1))} holds a single value, so it has no "${String(path[position + 1])}"`;
    }
    container = child;
  }
  return 'the key path is empty';
}

function readEntry(container: Container, segment: KeyPathSegment): unknown {
  return Array.isArray(container) ? container[Number(segment)] : container[String(segment)];
}

function writeEntry(container: Container, segment: KeyPathSegment, value: unknown): void {
  if (Array.isArray(container)) container[Number(segment)] = value;
  else container[String(segment)] = value;
}
