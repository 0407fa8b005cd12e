/**
 * The configuration document (GET /config: the YAML file's shape) as an editable form: the document is kept as
 * it is, edits set values at key paths, and the API's validation problems (`details.problems`, by key path such
 * as `sync.tables[1].timestamp_column`) are placed at the field, the group, or — for a path the form does not
 * show — in the summary.
 */

export type PathSegment = string | number;
export type KeyPath = readonly PathSegment[];

/** The text the API uses for a secret it does not show; sent back unchanged, the secret keeps its value. */
export const redactedText = '[redacted]';

const keptSecretPattern = /^\[redacted(?::([0-9a-f]+))?\]$/;

/**
 * Whether a value is a secret the API does not show: `[redacted]` (a password) or `[redacted:<id>]` (a token,
 * the id saying which one). Sent back unchanged, it keeps the secret.
 */
export function isKeptSecret(value: unknown): value is string {
  return typeof value === 'string' && keptSecretPattern.test(value);
}

/** The id of a token placeholder (`[redacted:1a2b…]` → `1a2b…`); null for anything else. */
export function keptSecretId(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return keptSecretPattern.exec(value)?.[1] ?? null;
}

/** `['sync', 'tables', 1, 'name']` → `sync.tables[1].name` (the API's format). */
export function formatPath(path: KeyPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

/** `sync.tables[1].name` → `['sync', 'tables', 1, 'name']`. */
export function parsePath(text: string): PathSegment[] {
  const segments: PathSegment[] = [];
  for (const match of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[1] !== undefined) segments.push(match[1]);
  }
  return segments;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function valueAt(document: unknown, path: KeyPath): unknown {
  let current: unknown = document;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment] as unknown;
    } else {
      if (!isRecord(current)) return undefined;
      current = current[segment];
    }
  }
  return current;
}

/** A copy of the document with the value at `path` replaced (or, with `undefined`, removed). */
export function withValueAt(document: unknown, path: KeyPath, value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (typeof head === 'number') {
    const list = Array.isArray(document) ? [...(document as unknown[])] : [];
    if (rest.length === 0 && value === undefined) list.splice(head, 1);
    else list[head] = withValueAt(list[head], rest, value);
    return list;
  }
  const record = isRecord(document) ? { ...document } : {};
  if (rest.length === 0 && value === undefined) delete record[head];
  else record[head] = withValueAt(record[head], rest, value);
  return record;
}

/** Keys whose values are secrets: shown as password fields, kept as the API shows them unless a new value is typed. */
export function isSecretKey(key: PathSegment | undefined): boolean {
  return typeof key === 'string' && /password|token/.test(key);
}

/** Fields whose values come from a fixed list (docs/configuration.md), shown as a choice. */
const choices: readonly { pattern: RegExp; options: readonly string[] }[] = [
  { pattern: /^sync\.mode$/, options: ['local_to_cloud', 'cloud_to_local', 'bidirectional'] },
  {
    pattern: /^sync\.tables\[\d+\]\.conflict_resolution$/,
    options: ['source_priority', 'last_write_wins', 'manual'],
  },
  { pattern: /^sync\.tables\[\d+\]\.(prefer|tie_breaker)$/, options: ['local', 'cloud'] },
  { pattern: /^logging\.level$/, options: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] },
  { pattern: /^logging\.format$/, options: ['json', 'pretty'] },
  { pattern: /^state_storage\.type$/, options: ['sqlite', 'mysql'] },
];

export function choicesFor(path: KeyPath): readonly string[] | null {
  const text = formatPath(path);
  return choices.find((choice) => choice.pattern.test(text))?.options ?? null;
}

/**
 * The value an input's text stands for, typed like the value it replaces: a number field's numeric text is a
 * number; other text (including a number field's non-numeric text, which the API then refuses at that field)
 * stays text.
 */
export function valueFromInput(previous: unknown, text: string): unknown {
  if (typeof previous === 'number') {
    const parsed = Number(text);
    return text.trim() !== '' && Number.isFinite(parsed) ? parsed : text;
  }
  return text;
}

/** A list of texts (origins, tokens) edited as one entry per line. */
export function listFromLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export interface ProblemPlacement {
  /** Problems by the formatted path of the field or group that shows them. */
  readonly byPath: ReadonlyMap<string, readonly string[]>;
  /** Problems whose path the form does not show (shown in the summary only). */
  readonly unplaced: readonly { path: string; message: string }[];
}

/**
 * Places each problem at the deepest shown path that is its own path or an ancestor of it, so a problem about a
 * key the document does not have yet (`sync.tables[1].timestamp_column`) shows on its table's group.
 */
export function placeProblems(
  problems: readonly { path: string; message: string }[],
  shownPaths: ReadonlySet<string>,
): ProblemPlacement {
  const byPath = new Map<string, string[]>();
  const unplaced: { path: string; message: string }[] = [];
  for (const problem of problems) {
    const segments = parsePath(problem.path);
    let placed = false;
    for (let length = segments.length; length > 0 && !placed; length -= 1) {
      const candidate = formatPath(segments.slice(0, length));
      if (!shownPaths.has(candidate)) continue;
      const own = candidate === formatPath(segments);
      const message = own ? problem.message : `${problem.path}: ${problem.message}`;
      byPath.set(candidate, [...(byPath.get(candidate) ?? []), message]);
      placed = true;
    }
    if (!placed) unplaced.push(problem);
  }
  return { byPath, unplaced };
}

/** Every path the form shows (fields and groups) for a document. */
export function shownPaths(document: unknown, prefix: KeyPath = []): Set<string> {
  const paths = new Set<string>();
  if (prefix.length > 0) paths.add(formatPath(prefix));
  if (Array.isArray(document)) {
    document.forEach((entry: unknown, index) => {
      if (isRecord(entry)) for (const path of shownPaths(entry, [...prefix, index])) paths.add(path);
    });
  } else if (isRecord(document)) {
    for (const [key, value] of Object.entries(document)) {
      for (const path of shownPaths(value, [...prefix, key])) paths.add(path);
    }
  }
  return paths;
}

/** What a new table entry starts as (the service fills in the defaults). */
export function newTableEntry(): Record<string, unknown> {
  return { name: '', primary_key: 'id', conflict_resolution: 'source_priority' };
}

/** Human label of a key: `batch_insert_size` → `batch insert size`. */
export function labelOf(key: PathSegment): string {
  return typeof key === 'number' ? `#${key + 1}` : key.replaceAll('_', ' ');
}
