/**
 * The API tokens (`server.auth_token`, `server.read_only_tokens`) as GET /config shows them: each reads
 * `[redacted:<id>]`, an id that names the token without revealing it, and PUT /config puts back the token a
 * placeholder names, wherever it now stands. So deleting, moving and adding tokens keeps exactly the tokens whose
 * placeholders are still there (matching `[redacted]` by position kept the wrong ones).
 *
 * The id is the first 64 bits of HMAC-SHA-256 of the token under a 256-bit key drawn at random when the service
 * starts. Without the key no id can be computed from a guessed token, so an id tells a reader nothing about its
 * token, however weak the token (a plain hash would let anyone who can read the configuration test guesses
 * offline). The price: placeholders change when the service restarts, and one read before is then refused by
 * name (read the configuration again).
 *
 * Tokens that MYSQL_SYNC_* variables set win over the file, so an edit can only keep them where they are, and the
 * service never copies them into the file.
 */
import { createHmac, randomBytes } from 'node:crypto';
import {
  formatKeyPath,
  redactedText,
  setValueAt,
  valueAt,
  type ConfigProblem,
  type EnvironmentOverride,
  type ServerConfig,
} from '../config/index.js';

const placeholderPattern = /^\[redacted:[0-9a-f]{16}\]$/;
const authPath = ['server', 'auth_token'] as const;
const listPath = ['server', 'read_only_tokens'] as const;

/** Makes the placeholders of one process (see the header). */
export class TokenPlaceholders {
  readonly #key = randomBytes(32);

  readonly placeholderOf = (token: string): string =>
    `[redacted:${createHmac('sha256', this.#key).update(token).digest('hex').slice(0, 16)}]`;
}

export interface TokenRestorationInput {
  /** The document sent (a copy): its placeholders are replaced in place. */
  readonly document: Record<string, unknown>;
  /** The tokens as saved: those GET showed placeholders for. */
  readonly saved: Pick<ServerConfig, 'authToken' | 'readOnlyTokens'>;
  /** The config file as it is. */
  readonly fileDocument: Record<string, unknown>;
  readonly overrides: readonly EnvironmentOverride[];
  readonly placeholders: TokenPlaceholders;
}

/**
 * Puts back the token each placeholder names (`[redacted]` alone still keeps the admin token), and keeps the
 * tokens the environment sets out of the document. Returns the problems: a placeholder that names no token, a bare
 * `[redacted]` in the list, or an edit that would drop, move or displace a token the environment sets.
 */
export function restoreTokens(input: TokenRestorationInput): ConfigProblem[] {
  const { document, saved, placeholders } = input;
  const tokenByPlaceholder = new Map<string, string>();
  for (const token of [saved.authToken, ...saved.readOnlyTokens]) {
    if (token !== undefined) tokenByPlaceholder.set(placeholders.placeholderOf(token), token);
  }
  const problems: ConfigProblem[] = [];
  /** Key paths whose token came from a placeholder (not typed in). */
  const restoredPaths = new Set<string>();
  const restore = (value: unknown, keyPath: readonly (string | number)[]): unknown => {
    if (typeof value !== 'string' || !placeholderPattern.test(value)) return value;
    const token = tokenByPlaceholder.get(value);
    if (token === undefined) {
      problems.push({
        path: formatKeyPath(keyPath),
        message: `${value} stands for no token of the configuration (placeholders change when the service restarts: read the configuration again)`,
      });
      return value;
    }
    restoredPaths.add(formatKeyPath(keyPath));
    return token;
  };
  const authToken = valueAt(document, authPath);
  if (authToken === redactedText) {
    setValueAt(document, authPath, saved.authToken);
    restoredPaths.add(formatKeyPath(authPath));
  } else {
    setValueAt(document, authPath, restore(authToken, authPath));
  }
  const list = valueAt(document, listPath);
  if (Array.isArray(list)) {
    const restored = list.map((entry: unknown, index) => {
      if (entry !== redactedText) return restore(entry, [...listPath, index]);
      problems.push({
        path: formatKeyPath([...listPath, index]),
        message:
          '[redacted] does not say which token to keep: send the placeholder GET /api/v1/config shows for it ([redacted:…]), or the token itself',
      });
      return entry;
    });
    setValueAt(document, listPath, restored);
  }
  if (problems.length > 0) return problems;
  return keepEnvironmentTokensOut(input, restoredPaths);
}

/** What the MYSQL_SYNC_* variables set of the tokens, each with its variable's name. */
interface EnvironmentTokens {
  authToken?: { readonly variable: string; readonly token: unknown };
  list?: { readonly variable: string; readonly tokens: unknown };
  readonly entries: Map<number, { readonly variable: string; readonly token: unknown }>;
}

function environmentTokens(overrides: readonly EnvironmentOverride[]): EnvironmentTokens {
  const found: EnvironmentTokens = { entries: new Map() };
  for (const { variable, path, value } of overrides) {
    if (path[0] !== 'server') continue;
    const [, key, index] = path;
    if (key === undefined) {
      const server = (value ?? {}) as Record<string, unknown>;
      if (server.auth_token !== undefined) found.authToken = { variable, token: server.auth_token };
      if (server.read_only_tokens !== undefined) found.list = { variable, tokens: server.read_only_tokens };
    } else if (key === 'auth_token') {
      found.authToken = { variable, token: value };
    } else if (key === 'read_only_tokens' && index === undefined) {
      found.list = { variable, tokens: value };
    } else if (key === 'read_only_tokens' && typeof index === 'number') {
      found.entries.set(index, { variable, token: value });
    }
  }
  return found;
}

function tokensOf(document: Record<string, unknown>): unknown[] {
  const list = valueAt(document, listPath);
  return [valueAt(document, authPath), ...(Array.isArray(list) ? (list as unknown[]) : [])];
}

function keepEnvironmentTokensOut(
  input: TokenRestorationInput,
  restoredPaths: ReadonlySet<string>,
): ConfigProblem[] {
  const environment = environmentTokens(input.overrides);
  const problems: ConfigProblem[] = [];
  const { document, fileDocument } = input;
  const authToken = environment.authToken;
  if (authToken !== undefined) {
    const restored = restoredPaths.has(formatKeyPath(authPath));
    if (restored && valueAt(document, authPath) === authToken.token) {
      setValueAt(document, authPath, valueAt(fileDocument, authPath));
    } else {
      problems.push({
        path: formatKeyPath(authPath),
        message: `is set by ${authToken.variable}, which wins over the config file: change the token there`,
      });
    }
  }
  const list = valueAt(document, listPath);
  const fileList = valueAt(fileDocument, listPath);
  if (Array.isArray(list) && environment.list !== undefined) {
    const { readOnlyTokens } = input.saved;
    const unchanged =
      list.length === readOnlyTokens.length &&
      readOnlyTokens.every(
        (token, index) => list[index] === token && restoredPaths.has(formatKeyPath([...listPath, index])),
      );
    if (unchanged) setValueAt(document, listPath, fileList);
    else {
      problems.push({
        path: formatKeyPath(listPath),
        message: `is set by ${environment.list.variable}, which wins over the config file: change the tokens there`,
      });
    }
  } else if (Array.isArray(list)) {
    problems.push(...keepEnvironmentEntriesOut(list as unknown[], fileList, environment, restoredPaths));
  }
  return [...problems, ...movedEnvironmentTokens(input, environment, restoredPaths)];
}

/** Tokens only a variable sets, whose placeholders were moved to a place no variable sets. */
function movedEnvironmentTokens(
  { document, fileDocument, saved }: TokenRestorationInput,
  environment: EnvironmentTokens,
  restoredPaths: ReadonlySet<string>,
): ConfigProblem[] {
  const fileTokens = new Set(tokensOf(fileDocument));
  const environmentOnly = new Set<unknown>(
    [saved.authToken, ...saved.readOnlyTokens].filter(
      (token) => token !== undefined && !fileTokens.has(token),
    ),
  );
  // The entries a variable sets were dealt with already.
  const variablePlaces = new Set(
    [...environment.entries.keys()].map((index) => formatKeyPath([...listPath, index])),
  );
  const list = valueAt(document, listPath);
  const placed: [string, unknown][] = [
    [formatKeyPath(authPath), valueAt(document, authPath)],
    ...(Array.isArray(list)
      ? list.map((token: unknown, index): [string, unknown] => [formatKeyPath([...listPath, index]), token])
      : []),
  ];
  return placed
    .filter(
      ([place, token]) =>
        restoredPaths.has(place) && !variablePlaces.has(place) && environmentOnly.has(token),
    )
    .map(([place]) => ({
      path: place,
      message:
        'stands for a token that a MYSQL_SYNC_* variable sets and the config file does not hold: it can only stay where the variable puts it (the service never copies it into the file)',
    }));
}

/**
 * `…__READ_ONLY_TOKENS__<n>` replaces entry n of the file's list: the entry must still be that token, and the file
 * keeps its own entry n (or none, when it is the last), so the variable's token never enters the file.
 */
function keepEnvironmentEntriesOut(
  list: unknown[],
  fileList: unknown,
  environment: EnvironmentTokens,
  restoredPaths: ReadonlySet<string>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const fileEntries = Array.isArray(fileList) ? (fileList as unknown[]) : [];
  for (const [index, { variable, token }] of [...environment.entries].sort(
    ([first], [second]) => second - first,
  )) {
    const keyPath = formatKeyPath([...listPath, index]);
    if (!restoredPaths.has(keyPath) || list[index] !== token) {
      problems.push({
        path: keyPath,
        message: `is set by ${variable}, which wins over the config file: it stays this token; change or remove it there`,
      });
    } else if (index < fileEntries.length) {
      list[index] = fileEntries[index];
    } else if (index === list.length - 1) {
      list.pop();
    } else {
      const next = index + 1;
      problems.push({
        path: formatKeyPath([...listPath, next]),
        message: `cannot be kept in the config file: ${variable} sets entry ${index}, which the file does not have, so the file cannot hold tokens after it; set this token in the environment too (${variable.replace(/__\d+$/, `__${next}`)})`,
      });
    }
  }
  return problems;
}
