/**
 * The schemas of the sync history (GET /sync/history): its page query, one entry per full-sync run, and the page.
 */
import { z } from 'zod';
import { count, isoTimestamp, pageQuery } from './shared-schemas.js';

export const historyQuerySchema = z.strictObject(pageQuery(50));

const historyEntrySchema = z
  .object({
    id: z.string(),
    kind: z.enum(['initial', 'manual', 'scheduled', 'fallback', 'adoption']),
    startedAt: isoTimestamp,
    completedAt: isoTimestamp.nullable(),
    direction: z.string(),
    tablesSynced: z.array(z.string()),
    totalRows: count,
    rowsChanged: count,
    conflictsDetected: count,
    status: z
      .string()
      .describe(
        '`running`, `completed`, `failed`, `stopped`, or `interrupted`: the process stopped during the run before recording its end (closed by the next start).',
      ),
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
