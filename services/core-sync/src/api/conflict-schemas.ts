/**
 * The zod schemas of the conflict routes (GET /conflicts, GET /conflicts/{id}, POST /conflicts/{id}/resolve): they
 * validate requests, shape answers and generate the OpenAPI document, as schemas.ts does for the other routes.
 */
import { z } from 'zod';
import { count, isoTimestamp, pageQuery } from './schemas.js';

export const conflictListQuerySchema = z.strictObject({
  table: z.string().min(1).max(256).optional().describe('Only conflicts of this table.'),
  resolved: z
    .enum(['true', 'false'])
    .transform((text) => text === 'true')
    .optional()
    .describe('Only resolved (`true`) or unresolved (`false`) conflicts.'),
  ...pageQuery(50),
});

export const conflictParamsSchema = z.strictObject({
  id: z.string().min(1).max(200).describe('The conflict id from GET /api/v1/conflicts.'),
});

const resolutionColumnsSchema = z
  .object({
    given: z.array(z.string()).readonly().describe('The columns the edited data gave, in table order.'),
    filledFrom: z
      .enum(['local', 'cloud'])
      .nullable()
      .describe('The side whose stored row filled the columns the data left out; null when none were.'),
    filled: z
      .array(z.string())
      .readonly()
      .describe('The columns taken from `filledFrom`’s row, in table order.'),
  })
  .meta({ id: 'ResolutionColumns' });

export const conflictSchema = z
  .object({
    id: z.string(),
    tableName: z.string(),
    primaryKeyValue: z.string().describe('The row key, serialised (a JSON array of the key columns).'),
    localData: z.unknown().describe('The local row; null when absent there.'),
    cloudData: z.unknown().describe('The cloud row; null when absent there.'),
    conflictType: z.string().describe('insert_insert, update_update, update_delete or delete_update.'),
    detectedAt: isoTimestamp,
    resolved: z.boolean(),
    resolutionStrategy: z.string().nullable(),
    resolvedAt: isoTimestamp.nullable(),
    resolvedData: z.unknown(),
    resolvedBy: z.string().nullable(),
    resolutionSide: z
      .string()
      .nullable()
      .describe(
        '`local` or `cloud` (that side’s row was kept), `merged` (edited data); null while unresolved.',
      ),
    resolutionColumns: resolutionColumnsSchema
      .nullable()
      .describe('For edited data (`merged`): which columns were given and which were filled; else null.'),
    sourcePosition: z.string().nullable(),
  })
  .meta({ id: 'Conflict' });

export const conflictListResponseSchema = z.object({
  conflicts: z.array(conflictSchema).describe('Newest first.'),
  total: count,
  limit: count,
  offset: count,
});

export const resolveBodySchema = z
  .strictObject({
    side: z.enum(['local', 'cloud']).optional().describe('Keep this side’s version of the row.'),
    data: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        'The edited merged row: a value (or null) for every column, keeping the row’s primary key. Columns left out need fillFrom.',
      ),
    fillFrom: z
      .enum(['local', 'cloud'])
      .optional()
      .describe(
        'With data: the side whose stored row gives the columns data leaves out (refused when the row is absent there).',
      ),
  })
  .refine((body) => (body.side === undefined) !== (body.data === undefined), {
    message: 'give exactly one of side or data',
  })
  .refine((body) => body.fillFrom === undefined || body.data !== undefined, {
    message: 'fillFrom goes with data (it names the side that fills the columns data leaves out)',
    path: ['fillFrom'],
  })
  .meta({
    id: 'ConflictResolution',
    description:
      '`{ "side": "local" }`, `{ "side": "cloud" }`, `{ "data": {…every column…} }` or `{ "data": {…some columns…}, "fillFrom": "local" | "cloud" }`. Data that leaves columns out without fillFrom is refused (400 CONFLICT_RESOLUTION_INCOMPLETE), so both sides always end with the same whole row.',
  });
