import { SyncError } from '../errors/index.js';

/** One thing wrong with the configuration, named by its YAML key path (`sync.tables[1].timestamp_column`). */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

export type KeyPathSegment = string | number;

/**
 * Messages shared by the structural schema and the cross-field checks, so that the same problem found by both is
 * reported once.
 */
export const problemMessages = {
  timestampColumnRequired: 'required when conflict_resolution is last_write_wins',
  preferRequired:
    'required when sync.mode is bidirectional and conflict_resolution is source_priority (local or cloud: the side whose change wins)',
  duration: 'must be a duration such as "500ms", "30s", "5m", "1h", or a number of milliseconds',
  cronExpression: 'must be a cron expression with 5 or 6 space-separated fields, such as "*/10 * * * *"',
  origin: 'must be "*" or an origin such as "https://ui.example.com" (scheme, host and port; no path)',
  identityNeedsHostName:
    'verify_identity needs host to be the name the server certificate is issued for, not an IP address (the driver cannot check an address against the certificate); use the host name, or verify_ca',
  trustProxy:
    'must be false, true, a hop count, or a list of proxy addresses and CIDR ranges (such as [10.0.0.0/8])',
  placeholderToken:
    'looks like a placeholder copied from an example (it contains "change-me", "example", "placeholder" or the like): use a random token, such as the output of `openssl rand -hex 24`',
  proxyAddress:
    'must be an IP address, a CIDR range such as "10.0.0.0/8", or one of loopback, linklocal, uniquelocal',
} as const;

/**
 * Keys the configuration once had, by key path, with what to do about them: a file (or a `MYSQL_SYNC_*` variable)
 * that still sets one is refused with this message rather than a generic "unknown key" guess.
 */
export const removedKeys: ReadonlyMap<string, string> = new Map([
  [
    'server.write_timeout',
    'was removed (it was never applied: no request was ever cut off by it); delete it',
  ],
]);

/** `['sync', 'tables', 1, 'name']` → `sync.tables[1].name`; the empty path is `(root)`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let formatted = '';
  for (const segment of path) {
    if (typeof segment === 'number') formatted += `[${segment}]`;
    else formatted += formatted === '' ? String(segment) : `.${String(segment)}`;
  }
  return formatted === '' ? '(root)' : formatted;
}

/** Drops repeated problems (the same path and message) and sorts the rest by key path. */
export function orderProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const unique = new Map<string, ConfigProblem>();
  for (const problem of problems) unique.set(`${problem.path}\u0000${problem.message}`, problem);
  return [...unique.values()].sort((first, second) =>
    first.path.localeCompare(second.path, 'en', { numeric: true }),
  );
}

/** The one error an invalid configuration produces: every problem, one `<key path>: <what is wrong>` per line. */
export function invalidConfigError(source: string, problems: readonly ConfigProblem[]): SyncError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const lines = problems.map((problem) => `${problem.path}: ${problem.message}`);
  return new SyncError(
    'CONFIG_INVALID',
    [`invalid configuration in ${source} (${count}):`, ...lines].join('\n'),
    {
      details: { source, problems },
    },
  );
}
