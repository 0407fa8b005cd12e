/**
 * The zod schemas of the API: they validate requests, shape responses (a response field not listed here is not
 * sent) and are the OpenAPI document's source (schemas with an `id` become `components.schemas` entries).
 *
 * Request bodies and query strings are strict: an unknown field is a 400 naming it, because a misspelt option
 * (`direciton`) that was silently ignored would start a different sync than the one the operator asked for.
 */
import { z } from 'zod';
import { syncModes } from '../config/index.js';

// ── shared ────────────────────────────────────────────────────────────────────────────────────────────────────

export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().describe('A code from docs/api.md "Error codes", e.g. REQUEST_INVALID.'),
      message: z.string(),
      traceId: z.string().describe('Also in the x-request-id header and in the log lines of this request.'),
      details: z
        .record(z.string(), z.unknown())
        .optional()
        .describe('Structured facts: `issues` for REQUEST_INVALID, `problems` for CONFIG_INVALID.'),
    }),
  })
  .meta({ id: 'Error', description: 'Every error answer of the API.' });

/** A JSON answer with its description, for the OpenAPI document. */
export function jsonResponse<Schema extends z.ZodType>(schema: Schema, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

const errorDescriptions = {
  400: 'The request is invalid: REQUEST_INVALID names each field at fault in details.issues (or a more precise code).',
  401: 'No bearer token, or an unknown one (UNAUTHORIZED); the WWW-Authenticate header says which.',
  403: 'A read-only token on a request that changes something (FORBIDDEN).',
  404: 'No such resource.',
  409: 'The request conflicts with the current state.',
  413: 'The request body is larger than 1 MiB (PAYLOAD_TOO_LARGE).',
  415: 'The request body is not JSON (UNSUPPORTED_MEDIA_TYPE).',
  429: 'Too many wrong tokens from this address (RATE_LIMITED); Retry-After says for how long.',
  500: 'An unexpected error (INTERNAL); the log has it under the traceId.',
  503: 'The service is shutting down (SERVICE_STOPPING), or a database it needs is unavailable.',
} as const;

export type ErrorStatus = keyof typeof errorDescriptions;

/** Error answers of a route, by status, all in the one shape. */
export function errorResponses<Status extends ErrorStatus>(
  ...statuses: Status[]
): Record<Status, ReturnType<typeof jsonResponse<typeof errorResponseSchema>>> {
  return Object.fromEntries(
    statuses.map((status) => [status, jsonResponse(errorResponseSchema, errorDescriptions[status])]),
  ) as Record<Status, ReturnType<typeof jsonResponse<typeof errorResponseSchema>>>;
}

export const isoTimestamp = z.string().describe('ISO 8601 timestamp (UTC).');
export const count = z.int().min(0);

export function pageQuery(defaultLimit: number) {
  return {
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(500)
      .default(defaultLimit)
      .describe(`Entries per page, 1–500 (default ${defaultLimit}).`),
    offset: z.coerce.number().int().min(0).default(0).describe('Entries to skip (default 0).'),
  };
}

// ── sync ──────────────────────────────────────────────────────────────────────────────────────────────────────

export const triggerBodySchema = z
  .strictObject({
    tables: z
      .array(z.string().min(1).max(256))
      .min(1)
      .max(1000)
      .optional()
      .describe('Configured table names to sync; every configured table when absent.'),
    direction: z
      .enum(syncModes)
      .optional()
      .describe('A direction the configured sync.mode allows; the configured mode when absent.'),
  })
  .nullable()
  .transform((body) => body ?? {})
  .meta({
    id: 'TriggerRequest',
    description: 'May be omitted: a full sync of every table in the configured mode.',
  });

export const stopBodySchema = z.strictObject({}).nullable().describe('No body, or an empty object.');

const tableProgressSchema = z.object({
  table: z.string(),
  state: z.enum(['pending', 'comparing', 'done', 'failed', 'stopped']),
  chunksTotal: count,
  chunksCompared: count,
  rowsTotal: count.describe('Rows on the larger side: estimated before the compare, exact after.'),
  rowsCompared: count,
  rowsChanged: count,
  conflicts: count,
  error: z.string().nullable(),
});

export const runProgressSchema = z
  .object({
    runId: z.string(),
    kind: z.enum(['initial', 'manual', 'scheduled', 'fallback']),
    state: z.enum(['idle', 'running', 'completed', 'failed', 'stopped']),
    direction: z.string(),
    startedAt: isoTimestamp,
    finishedAt: isoTimestamp.nullable(),
    tables: z.array(tableProgressSchema).readonly(),
    rowsTotal: count,
    rowsCompared: count,
    rowsChanged: count,
    conflicts: count,
    percent: z.number().min(0).max(100).describe('0–100, by rows compared.'),
    rowsPerSecond: z.number().min(0),
    etaSeconds: z
      .number()
      .nullable()
      .describe('Seconds left at the current rate; null before there is a rate.'),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    traceId: z.string(),
  })
  .meta({ id: 'RunProgress', description: 'A full-sync run: its state and progress.' });

const binlogPositionSchema = z.object({
  file: z.string(),
  offset: count,
  gtid: z.string().nullable(),
});

const tablePauseSchema = z.object({
  table: z.string(),
  reason: z.enum([
    'row-rejected',
    'schema-change',
    'incomplete-row-image',
    'target-read-only',
    'target-full',
    'row-too-large',
  ]),
  code: z
    .string()
    .describe(
      'The error code: ROW_REJECTED, TABLE_PAUSED_DDL, TARGET_READ_ONLY, TARGET_FULL or ROW_TOO_LARGE.',
    ),
  message: z.string().describe('What is wrong and what to do about it.'),
  fromSequence: z.number(),
  resumePosition: binlogPositionSchema.nullable(),
  position: binlogPositionSchema.nullable(),
  row: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('The refused row, for row rejections (long values cut short, binary ones as their size).'),
  errorCode: z
    .string()
    .nullable()
    .describe("The database driver's code of the error, when the server refused."),
});

export const resumeBodySchema = z.strictObject({}).nullable().describe('No body, or an empty object.');

export const resumeResponseSchema = z
  .object({
    resumed: z
      .array(
        z.object({
          direction: z.enum(['local_to_cloud', 'cloud_to_local']),
          table: z.string(),
          reason: tablePauseSchema.shape.reason,
          code: z.string().describe('The error code the table was paused with.'),
        }),
      )
      .readonly()
      .describe(
        'The tables that were paused. Each reads its held changes again; one whose cause is not fixed pauses again.',
      ),
  })
  .meta({ id: 'ResumeResult', description: 'The paused tables that were resumed.' });

const directionStatusSchema = z
  .object({
    source: z.enum(['local', 'cloud']),
    target: z.enum(['local', 'cloud']),
    state: z.enum(['starting', 'snapshotting', 'streaming', 'idle', 'stopping', 'stopped', 'failed']),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    stream: z
      .object({
        state: z.string(),
        position: z.string().nullable(),
        lagMs: z
          .number()
          .nullable()
          .describe(
            'How far the binlog reader is behind the source (ms); while an XA transaction is prepared and undecided, at least its age.',
          ),
        preparedXa: z
          .object({
            count,
            oldestXid: z
              .string()
              .nullable()
              .describe(
                "The oldest one's xid as the server prints it: X'<gtrid hex>',X'<bqual hex>',<formatId>.",
              ),
            oldestPreparedAt: z
              .string()
              .nullable()
              .describe('When the oldest was prepared on the source (ISO time).'),
            oldestAgeMs: z.number().nullable(),
            restartPosition: z
              .string()
              .nullable()
              .describe('Where a restart reads the binlog from to see the held changes again.'),
          })
          .describe(
            'XA transactions prepared on the source and not yet committed or rolled back: their changes are held (applied at XA COMMIT, dropped at XA ROLLBACK).',
          ),
        reconnectAttempt: count,
        lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
      })
      .nullable(),
    watermark: z.string().nullable(),
    queueDepth: count,
    backpressure: z
      .object({
        queueCapacity: count,
        sourcePaused: z.boolean(),
        pauseCount: count,
        peakQueueDepth: count,
      })
      .nullable(),
    rowsApplied: count,
    applyFailure: z
      .object({ code: z.string(), message: z.string(), since: isoTimestamp })
      .nullable()
      .describe(
        'Batches failing and being retried: DATABASE_UNAVAILABLE (the target cannot be reached) or APPLY_FAILED (it answered with an error worth retrying), since when; null while batches succeed.',
      ),
    tables: z
      .array(
        z.object({
          table: z.string(),
          state: z.enum(['pending', 'snapshotting', 'streaming', 'synced', 'paused']),
          rowsApplied: count,
          rowsCopied: count,
          pause: tablePauseSchema.nullable(),
        }),
      )
      .readonly(),
  })
  .meta({
    id: 'DirectionStatus',
    description: 'One replication direction (local → cloud or cloud → local).',
  });

const healthProblemsSchema = z
  .array(
    z.object({
      direction: z
        .string()
        .nullable()
        .describe('local_to_cloud or cloud_to_local; null for the state store.'),
      code: z.string().describe('The error code (docs/errors.md).'),
    }),
  )
  .readonly()
  .describe('Each reason as an error code, in the same order; empty when healthy.');

export const healthReportSchema = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    role: z
      .enum(['leader', 'standby'])
      .optional()
      .describe('With high_availability: whether this replica leads (syncs) or stands by.'),
    reasons: z
      .array(z.string())
      .readonly()
      .describe('Why the service is not fully healthy; empty when it is.'),
    problems: healthProblemsSchema,
    stateStore: z
      .object({
        available: z.boolean(),
        unavailableSince: isoTimestamp
          .nullable()
          .describe('When the current outage began; null while available.'),
        error: z
          .object({ code: z.string(), message: z.string() })
          .nullable()
          .describe('STATE_STORE_UNAVAILABLE and what the last failed call met; null while available.'),
      })
      .optional()
      .describe(
        'Whether the state store answers. Syncing goes on while it does not (degraded): see the error code STATE_STORE_UNAVAILABLE.',
      ),
    mode: z.string(),
    directions: z
      .array(
        z.object({
          direction: z.string(),
          state: z.string(),
          stream: z.string().nullable(),
          lagMs: z.number().nullable(),
          pausedTables: z.array(z.string()).readonly(),
        }),
      )
      .readonly(),
  })
  .meta({ id: 'HealthReport', description: '`down` is answered with 503 by GET /health.' });

export const publicHealthReportSchema = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    role: z.enum(['leader', 'standby']).optional(),
    mode: z.string(),
    stateStore: z.object({ available: z.boolean() }).optional(),
    directions: z
      .array(z.object({ direction: z.string(), state: z.string(), stream: z.string().nullable() }))
      .readonly(),
    problems: healthProblemsSchema,
  })
  .meta({
    id: 'PublicHealthReport',
    description:
      'GET /health without a token: states and error codes only (no messages, table names or times). Send a token for the whole HealthReport.',
  });

export const statusResponseSchema = z.object({
  mode: z.enum(syncModes),
  directions: z.array(directionStatusSchema).readonly(),
  run: runProgressSchema
    .nullable()
    .describe('The active full-sync run, else the last one; null before the first.'),
  health: healthReportSchema,
});

export const historyQuerySchema = z.strictObject(pageQuery(50));

const historyEntrySchema = z
  .object({
    id: z.string(),
    kind: z.enum(['initial', 'manual', 'scheduled', 'fallback']),
    startedAt: isoTimestamp,
    completedAt: isoTimestamp.nullable(),
    direction: z.string(),
    tablesSynced: z.array(z.string()),
    totalRows: count,
    rowsChanged: count,
    conflictsDetected: count,
    status: z.string(),
    errorMessage: z.string().nullable(),
    traceId: z.string().nullable(),
    triggerSource: z
      .string()
      .nullable()
      .describe('Who or what started it: a token label, `cron`, `binlog-fallback`…'),
  })
  .meta({ id: 'SyncHistoryEntry' });

export const historyResponseSchema = z.object({
  entries: z.array(historyEntrySchema).describe('Newest first.'),
  total: count,
  limit: count,
  offset: count,
});

// ── config ────────────────────────────────────────────────────────────────────────────────────────────────────

export const configDocumentSchema = z.record(z.string(), z.unknown()).meta({
  id: 'ConfigDocument',
  description:
    'The configuration in the YAML file’s shape (snake_case). Passwords read `[redacted]`, tokens `[redacted:<id>]` (the id names the token without revealing it); sent back as they read, they keep the secret they stand for, wherever a token’s placeholder now stands.',
});

export const configViewSchema = z
  .object({
    config: configDocumentSchema,
    restartRequired: z
      .array(z.string())
      .readonly()
      .describe(
        'Key paths whose saved values take effect at the next start of core-sync; every other key is in effect.',
      ),
  })
  .meta({ id: 'ConfigView' });

export const configUpdateResponseSchema = z
  .object({
    applied: z.array(z.string()).readonly().describe('Key paths whose new values are in effect.'),
    restartRequired: z
      .array(z.string())
      .readonly()
      .describe('Key paths saved to the file that take effect after a restart.'),
    config: configDocumentSchema,
  })
  .meta({ id: 'ConfigUpdateResult' });

// ── system ────────────────────────────────────────────────────────────────────────────────────────────────────

export const streamHeadersSchema = z.looseObject({
  'last-event-id': z
    .string()
    .max(64)
    .optional()
    .describe('The id of the last event received; the events after it are replayed when still buffered.'),
});
