/**
 * The schemas of a replication direction's status: its binlog stream, queue and tables, why a table is paused,
 * and the resume of paused tables (POST /sync/resume).
 */
import { z } from 'zod';
import { count, isoTimestamp } from './shared-schemas.js';

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

export const schemaChangeSchema = z
  .object({
    table: z.string(),
    statement: z.string().describe('The statement as the source ran it (long ones cut short).'),
    position: z.string().describe("The position after it in the source's binlog."),
    state: z
      .enum(['waiting', 'applying', 'applied', 'found-applied', 'echo', 'followed', 'paused'])
      .describe(
        "waiting: for the changes read before it to be applied; applying: running on the target; applied: run there; found-applied: the target had it already, not run again; echo: the service's own statement for the other direction; followed (sync.ddl: pause): the target had the same columns; paused: not carried over, the table is paused (see message).",
      ),
    seenAt: isoTimestamp.describe('When it was read from the binlog.'),
    durationMs: z.number().nullable().describe('How long running it on the target took, once it ran.'),
    message: z.string().nullable(),
  })
  .meta({
    id: 'SchemaChange',
    description:
      'A schema change (DDL) of a synced table read from the source, and where it stands (sync.ddl).',
  });

export const directionStatusSchema = z
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
    schemaChanges: z
      .array(schemaChangeSchema)
      .readonly()
      .describe('The schema changes read from the source since the start, newest first (at most 20).'),
  })
  .meta({
    id: 'DirectionStatus',
    description: 'One replication direction (local → cloud or cloud → local).',
  });
