/** Helpers for the plain data a YAML document or an environment overlay is made of. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The document without mapping entries whose value is null: in YAML `auth_token:` with nothing after it means
 * "not set", so the key gets its default (or is reported as required) instead of failing as "not a string".
 * Nulls inside lists are kept and reported. Stops at a depth no valid configuration reaches, so a YAML alias
 * that refers to its own ancestor cannot recurse forever (the schema rejects what is left).
 */
export function withoutNulls(value: unknown, depth = 0): unknown {
  if (depth > maximumDepth) return value;
  if (Array.isArray(value)) return value.map((item) => withoutNulls(item, depth + 1));
  if (!isRecord(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry !== null && entry !== undefined) result[key] = withoutNulls(entry, depth + 1);
  }
  return result;
}

const maximumDepth = 16;

/**
 * Freezes the value and everything reachable from it, so nobody can change the configuration after loading.
 * For acyclic data (the schema's output always is).
 */
export function deepFreeze<Value>(value: Value): Value {
  if (typeof value !== 'object' || value === null) return value;
  for (const entry of Object.values(value)) deepFreeze(entry);
  return Object.freeze(value);
}
