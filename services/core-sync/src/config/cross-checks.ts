import { isRecord } from './document-values.js';
import { parseDuration } from './duration.js';
import { formatKeyPath, problemMessages, type ConfigProblem } from './problems.js';

/**
 * Checks that relate several keys, run on the raw (snake_case) document. zod stops refining an object as soon as
 * one of its fields is invalid, so these run separately to report every problem at once. Each check reads only
 * values of the right type and leaves wrong types to the schema.
 */
export function crossFieldProblems(document: unknown): ConfigProblem[] {
  if (!isRecord(document)) return [];
  return [
    ...tableProblems(document.sync),
    ...reconnectDelayProblems(document.sync),
    ...tokenProblems(document.server),
    ...openApiProblems(document.server),
    ...sameDatabaseProblems(document.databases),
    ...highAvailabilityProblems(document.high_availability, document.state_storage),
  ];
}

function tableProblems(sync: unknown): ConfigProblem[] {
  if (!isRecord(sync) || !Array.isArray(sync.tables)) return [];
  const mode = typeof sync.mode === 'string' ? sync.mode : 'local_to_cloud';
  const problems: ConfigProblem[] = [];
  const firstIndexByName = new Map<string, number>();
  for (const [index, table] of (sync.tables as unknown[]).entries()) {
    if (!isRecord(table)) continue;
    const tablePath = (key: string) => formatKeyPath(['sync', 'tables', index, key]);
    const strategy =
      typeof table.conflict_resolution === 'string' ? table.conflict_resolution : 'source_priority';
    if (strategy === 'last_write_wins' && table.timestamp_column === undefined) {
      problems.push({
        path: tablePath('timestamp_column'),
        message: problemMessages.timestampColumnRequired,
      });
    }
    if (mode === 'bidirectional' && strategy === 'source_priority' && table.prefer === undefined) {
      problems.push({ path: tablePath('prefer'), message: problemMessages.preferRequired });
    }
    if (typeof table.name !== 'string') continue;
    const firstIndex = firstIndexByName.get(table.name);
    if (firstIndex === undefined) {
      firstIndexByName.set(table.name, index);
    } else {
      problems.push({
        path: tablePath('name'),
        message: `duplicate table "${table.name}" (also at sync.tables[${firstIndex}])`,
      });
    }
  }
  return problems;
}

function reconnectDelayProblems(sync: unknown): ConfigProblem[] {
  if (!isRecord(sync)) return [];
  const initialDelay = parseDuration(sync.reconnect_initial_delay ?? '500ms');
  const maximumDelay = parseDuration(sync.reconnect_max_delay ?? '30s');
  if (initialDelay === undefined || maximumDelay === undefined || maximumDelay >= initialDelay) return [];
  return [
    { path: 'sync.reconnect_max_delay', message: 'must not be shorter than sync.reconnect_initial_delay' },
  ];
}

/** Whether a listen address is this machine's loopback interface only. */
export function isLoopbackListenAddress(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
}

/**
 * Without any token the API is open (admin rights for every caller): allowed only when it listens on loopback,
 * where nobody but this machine (or this pod) reaches it.
 */
function openApiProblems(server: unknown): ConfigProblem[] {
  const section = isRecord(server) ? server : {};
  const host = section.host ?? '127.0.0.1';
  if (typeof host !== 'string' || isLoopbackListenAddress(host)) return [];
  const hasAdminToken = typeof section.auth_token === 'string' && section.auth_token.length > 0;
  const hasReadOnlyTokens = Array.isArray(section.read_only_tokens) && section.read_only_tokens.length > 0;
  if (hasAdminToken || hasReadOnlyTokens) return [];
  return [
    {
      path: 'server.auth_token',
      message: `is required when the API listens on ${JSON.stringify(host)} (server.host), not on loopback only: without a token anyone who can reach the port could change the configuration and resolve conflicts. Set server.auth_token (for example from \`openssl rand -hex 24\`), or set server.host to 127.0.0.1 to keep a token-less API on this machine`,
    },
  ];
}

/**
 * Tokens change while running, the listening address only at the next start: a change that removes every token
 * is refused while the API listens on an address that is not loopback (whatever `server.host` the document names
 * for later), or the running API would be open to the network until then.
 */
export function openWhileListeningProblems(
  server: { readonly authToken?: string | undefined; readonly readOnlyTokens: readonly string[] },
  listeningHost: string,
): ConfigProblem[] {
  const hasToken = (server.authToken ?? '').length > 0 || server.readOnlyTokens.length > 0;
  if (hasToken || isLoopbackListenAddress(listeningHost)) return [];
  return [
    {
      path: 'server.auth_token',
      message: `cannot be removed while the API listens on ${JSON.stringify(listeningHost)}: tokens change at once, the listening address only at the next start, so the API would be open to the network until then. Change server.host to a loopback address first and restart, then remove the tokens`,
    },
  ];
}

function tokenProblems(server: unknown): ConfigProblem[] {
  if (!isRecord(server) || typeof server.auth_token !== 'string' || !Array.isArray(server.read_only_tokens)) {
    return [];
  }
  const authToken = server.auth_token;
  return (server.read_only_tokens as unknown[]).flatMap((token, index) =>
    token === authToken
      ? [
          {
            path: formatKeyPath(['server', 'read_only_tokens', index]),
            message: 'must differ from server.auth_token',
          },
        ]
      : [],
  );
}

/** Syncing a database onto itself would feed every change back to its source forever. */
function sameDatabaseProblems(databases: unknown): ConfigProblem[] {
  if (!isRecord(databases)) return [];
  const { local, cloud } = databases;
  if (!isRecord(local) || !isRecord(cloud)) return [];
  const sameHost =
    typeof local.host === 'string' &&
    typeof cloud.host === 'string' &&
    local.host.toLowerCase() === cloud.host.toLowerCase();
  const samePort = (local.port ?? 3306) === (cloud.port ?? 3306);
  const sameDatabase = typeof local.database === 'string' && local.database === cloud.database;
  if (!sameHost || !samePort || !sameDatabase) return [];
  return [
    {
      path: 'databases.cloud',
      message:
        'is the same database as databases.local (host, port and database); a database cannot sync with itself',
    },
  ];
}

/** Replicas can only share a lease through a MySQL state store, and must renew it well before it expires. */
function highAvailabilityProblems(highAvailability: unknown, stateStorage: unknown): ConfigProblem[] {
  if (!isRecord(highAvailability) || highAvailability.enabled !== true) return [];
  const problems: ConfigProblem[] = [];
  if (!isRecord(stateStorage) || stateStorage.type !== 'mysql') {
    problems.push({
      path: 'high_availability.enabled',
      message: 'needs state_storage.type: mysql (the replicas share the lease through it)',
    });
  }
  const ttl = parseDuration(highAvailability.lease_ttl ?? '15s');
  const renew = parseDuration(highAvailability.renew_interval ?? '5s');
  if (ttl !== undefined && renew !== undefined && renew * 2 > ttl) {
    problems.push({
      path: 'high_availability.renew_interval',
      message:
        'must be at most half of high_availability.lease_ttl (a lease must survive one missed renewal)',
    });
  }
  return problems;
}
