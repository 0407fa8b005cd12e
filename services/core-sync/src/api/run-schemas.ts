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
    dryRun: z
      .boolean()
      .optional()
      .describe(
        'Preview: compare and report per table what the run would copy, delete and change, and which rows it would list as conflicts, with sample keys (`tables[].changes`); nothing is written. Not recorded in the history.',
      ),
  })
  .nullable()
  .transform((body) => body ?? {})
  .meta({
    id: 'TriggerRequest',
    description: 'May be omitted: a full sync of every table in the configured mode.',
  });

export const stopBodySchema = z.strictObject({}).nullable().describe('No body, or an empty object.');

const sideCountsSchema = z.object({ local: count, cloud: count });
const sampleKeysSchema = z
  .array(z.string())
  .readonly()
  .describe('Up to 10 primary keys, each as its key columns joined (the conflict list shows the same text).');

const tableChangesSchema = z
  .object({
    copied: sideCountsSchema.describe('Rows on one side only, copied to the other: by the side copied to.'),
    deleted: sideCountsSchema.describe(
      'Rows deleted, by the side deleted on: one-way, target rows the source lacks; bidirectional, a delete on the other side replayed (docs/bidirectional.md, "Rows on one side only").',
    ),
    changed: sideCountsSchema.describe(
      'Rows on both sides that differ: by the side whose version both end with.',
    ),
    conflicts: count.describe('Differing rows left for a person (the manual strategy).'),
    undecided: count.describe(
      'Bidirectional: rows on one side only whose binlogs cannot tell whether they were added there or deleted on the other side: left as they are and listed as conflicts (insert_or_delete).',
    ),
    sampleKeys: z.object({
      copied: sampleKeysSchema,
      deleted: sampleKeysSchema,
      changed: sampleKeysSchema,
      conflicts: sampleKeysSchema,
      undecided: sampleKeysSchema,
    }),
  })
  .describe('The differing rows by decision: what a dry run would do, or what the run did.');

const tableProgressSchema = z.object({
  table: z.string(),
  state: z.enum(['pending', 'comparing', 'done', 'failed', 'stopped']),
  chunksTotal: count,
  chunksCompared: count,
  rowsTotal: count.describe('Rows on the larger side: estimated before the compare, exact after.'),
  rowsCompared: count,
  rowsChanged: count,
  conflicts: count,
  changes: tableChangesSchema,
  error: z.string().nullable(),
});

export const runProgressSchema = z
  .object({
    runId: z.string(),
    kind: z.enum(['initial', 'manual', 'scheduled', 'fallback', 'adoption']),
    dryRun: z.boolean().describe('A preview: nothing was written.'),
    state: z.enum(['idle', 'running', 'completed', 'failed', 'stopped']),
    direction: z.string(),
    startedAt: isoTimestamp,
    finishedAt: isoTimestamp.nullable(),
    tables: z.array(tableProgressSchema).readonly(),
    pendingChanges: sideCountsSchema
      .nullable()
      .describe(
        "A preview of a bidirectional sync with sync.realtime false: the changes of each side since the last run (by that side) that the real run first applies to the other side from the binlogs, before it compares. The preview reads them and applies nothing, so `tables[].changes` count the rows as they are now, including the differences those changes would carry over; the real run's figures then differ by what they carried. Null for a real run, and when nothing waits (the directions stream).",
      ),
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
