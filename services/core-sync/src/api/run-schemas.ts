/**
 * The schemas of full-sync runs: the request that starts one (POST /sync/trigger), the one that stops it, and a
 * run's progress by table.
 */
import { z } from 'zod';
import { syncModes } from '../config/index.js';
import { count, isoTimestamp } from './shared-schemas.js';

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
