import { z } from 'zod';
import { formatKeyPath, removedKeys, type ConfigProblem } from './problems.js';

/**
 * Runs a zod schema and turns its issues into `<key path>: <what is wrong>` problems in plain words. Messages
 * never repeat the offending value (it may be a password); they name its type instead.
 */
export function validateWithSchema<Output>(
  schema: z.ZodType<Output>,
  document: unknown,
): { readonly output: Output | undefined; readonly problems: ConfigProblem[] } {
  const allowedKeysByPath = new Map<string, readonly string[]>();
  const result = schema.safeParse(document, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys' && issue.inst instanceof z.ZodObject) {
        allowedKeysByPath.set(formatKeyPath(issue.path ?? []), Object.keys(issue.inst.shape));
      }
      return describeIssue(issue);
    },
  });
  if (result.success) return { output: result.data, problems: [] };
  const problems = result.error.issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code !== 'unrecognized_keys')
      return [{ path: formatKeyPath(issue.path), message: issue.message }];
    const allowedKeys = allowedKeysByPath.get(formatKeyPath(issue.path)) ?? [];
    return issue.keys.map((key) => {
      const path = formatKeyPath([...issue.path, key]);
      return { path, message: removedKeys.get(path) ?? unknownKeyMessage(key, allowedKeys) };
    });
  });
  return { output: undefined, problems };
}

function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      if (issue.expected === 'int') return `must be an integer, not ${describeValue(issue.input)}`;
      return `must be ${expectedTypes[issue.expected] ?? issue.expected}, not ${describeValue(issue.input)}`;
    case 'too_small':
      return tooSmallMessage(issue.origin, Number(issue.minimum));
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${Number(issue.maximum)} characters long`
        : `must be at most ${Number(issue.maximum)}`;
    case 'invalid_value':
      return `must be ${choiceList(issue.values)}`;
    case 'invalid_union': {
      const options: unknown = issue.options;
      return Array.isArray(options) && options.length > 0
        ? `must be ${choiceList(options)}`
        : 'is not one of the accepted forms';
    }
    case 'unrecognized_keys':
      return 'unknown key';
    case 'invalid_format':
    case 'not_multiple_of':
    case 'invalid_key':
    case 'invalid_element':
    case 'custom':
      return undefined;
  }
}

const expectedTypes: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

function tooSmallMessage(origin: string, minimum: number): string {
  switch (origin) {
    case 'string':
      return minimum === 1 ? 'must not be empty' : `must be at least ${minimum} characters long`;
    case 'array':
      return minimum === 1 ? 'must list at least one entry' : `must list at least ${minimum} entries`;
    default:
      return minimum === 1 ? 'must be a positive integer' : `must be at least ${minimum}`;
  }
}

function choiceList(values: readonly unknown[]): string {
  const quoted = values.map((value) => JSON.stringify(value));
  return quoted.length === 1 ? String(quoted[0]) : `one of ${quoted.join(', ')}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  if (typeof value === 'boolean') return 'true/false';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

function unknownKeyMessage(key: string, allowedKeys: readonly string[]): string {
  const suggestion = closestKey(key, allowedKeys);
  if (suggestion !== undefined) return `unknown key (did you mean "${suggestion}"?)`;
  return allowedKeys.length === 0 ? 'unknown key' : `unknown key (allowed: ${allowedKeys.join(', ')})`;
}

/** The allowed key the unknown one was most likely meant to be: its snake_case spelling, or a near typo. */
function closestKey(key: string, allowedKeys: readonly string[]): string | undefined {
  const snakeCase = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  if (allowedKeys.includes(snakeCase)) return snakeCase;
  let best: { readonly key: string; readonly distance: number } | undefined;
  for (const allowedKey of allowedKeys) {
    const distance = editDistance(snakeCase, allowedKey);
    if (best === undefined || distance < best.distance) best = { key: allowedKey, distance };
  }
  const tolerance = Math.max(2, Math.floor(key.length / 4));
  return best !== undefined && best.distance <= tolerance ? best.key : undefined;
}

/** Levenshtein distance (insertions, deletions and substitutions). */
function editDistance(source: string, target: string): number {
  let previousRow = Array.from({ length: target.length + 1 }, (_, index) => index);
  for (let sourceIndex = 1; sourceIndex <= source.length; sourceIndex += 1) {
    const currentRow = [sourceIndex];
    for (let targetIndex = 1; targetIndex <= target.length; targetIndex += 1) {
      const substitution = source[sourceIndex - 1] === target[targetIndex - 1] ? 0 : 1;
      currentRow.push(
        Math.min(
          (previousRow[targetIndex] ?? 0) + 1,
          (currentRow[targetIndex - 1] ?? 0) + 1,
          (previousRow[targetIndex - 1] ?? 0) + substitution,
        ),
      );
    }
    previousRow = currentRow;
  }
  return previousRow[target.length] ?? 0;
}
