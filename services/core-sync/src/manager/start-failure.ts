/**
 * What PUT /api/v1/config answers when a valid configuration does not start, while the log keeps the cause.
 *
 * The caller chooses the hosts, ports and TLS files of a new configuration. If the answer said why they could not
 * be used — a closed port, an unreachable host, a timeout, an unknown name, a refused login or TLS handshake, a
 * TLS file that is missing, unreadable, a directory or not PEM — PUT /config would probe other hosts' ports and the
 * service's files for whoever holds the admin token. So everything that fails before a session is open answers one
 * fixed message per endpoint (its key path, such as `databases.cloud`) with the trace id under which the service
 * logged the cause. What fails after a login succeeded (a missing table or database, a primary key or schema that
 * differs, binlog settings, privileges) concerns a server the caller could log in to with the credentials they
 * sent, so the service's own message about it is the answer (never its cause, which can hold a driver's text).
 */
import { SyncError, findInCauses, isSyncError, type ErrorCode } from '../errors/index.js';

/** Failures met only with a session open, whose own messages are safe and needed to fix the configuration. */
const toldCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'DATABASE_NOT_FOUND',
  'TABLE_NOT_FOUND',
  'TABLE_NO_PRIMARY_KEY',
  'TABLE_COLUMN_UNSUPPORTED',
  'TABLE_VERSIONING_UNSUPPORTED',
  'TABLE_SCHEMA_MISMATCH',
  'TABLE_COLLATION_UNSUPPORTED',
  'TABLE_CREATE_FAILED',
  'TABLES_DIVERGED',
  'SOURCE_SETTINGS_INVALID',
  'REPLICATION_PRIVILEGES_MISSING',
]);

const endpoints = ['databases.local', 'databases.cloud', 'state_storage'] as const;

/** The endpoint a failure is about, from the structured details its errors carry (`endpoint`, `keyPath`, `side`). */
function endpointOf(error: unknown): string | undefined {
  let found: string | undefined;
  findInCauses(error, (candidate) => {
    const details = isSyncError(candidate) ? candidate.details : undefined;
    const side = details?.side;
    const named = [
      details?.endpoint,
      details?.keyPath,
      typeof side === 'string' ? `databases.${side}` : undefined,
    ];
    found = endpoints.find((endpoint) =>
      named.some(
        (name) => typeof name === 'string' && (name === endpoint || name.startsWith(`${endpoint}.`)),
      ),
    );
    return found !== undefined;
  });
  return found;
}

/**
 * The CONFIG_INVALID error the API answers for `error`, the reason a new configuration did not start; `traceId`
 * is the request's, under which the cause is logged. The cause is attached (for the log), never answered.
 */
export function startFailureError(error: unknown, traceId: string | undefined): SyncError {
  const told = findInCauses(error, (candidate) => isSyncError(candidate) && toldCodes.has(candidate.code));
  if (isSyncError(told)) {
    return new SyncError('CONFIG_INVALID', `the new configuration did not start: ${told.message}`, {
      cause: error,
      details: { problems: [{ path: '', message: told.message }], causeCode: told.code },
    });
  }
  const logged =
    traceId === undefined
      ? 'the service log has the cause'
      : `the service log has the cause under trace id ${traceId}`;
  const endpoint = endpointOf(error);
  const problem =
    endpoint === undefined
      ? { path: '', message: `it did not start; ${logged}` }
      : {
          path: endpoint,
          message: `cannot connect and log in with these settings (host, port, user, password, tls); ${logged}`,
        };
  const where = endpoint === undefined ? '' : `${endpoint}: `;
  return new SyncError('CONFIG_INVALID', `the new configuration did not start: ${where}${problem.message}`, {
    cause: error,
    details: { problems: [problem] },
  });
}
