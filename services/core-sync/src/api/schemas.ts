/**
 * The zod schemas of the API: they validate requests, shape responses (a response field not listed here is not
 * sent) and are the OpenAPI document's source (schemas with an `id` become `components.schemas` entries).
 *
 * Request bodies and query strings are strict: an unknown field is a 400 naming it, because a misspelt option
 * (`direciton`) that was silently ignored would start a different sync than the one the operator asked for.
 */
import { z } from 'zod';
import { syncModes } from '../config/index.js';
// The schemas with an `id` are registered when their module is evaluated, and the OpenAPI document lists them in
// that order: the imports and exports below name the modules in the order of their schemas in the document (shared,
// run, direction, health, history, config). Keep it when adding one.
import { runProgressSchema } from './run-schemas.js';
import { directionStatusSchema } from './direction-schemas.js';
import { healthReportSchema } from './health-schemas.js';

export {
  count,
  errorResponseSchema,
  errorResponses,
  isoTimestamp,
  jsonResponse,
  pageQuery,
  type ErrorStatus,
} from './shared-schemas.js';
export { runProgressSchema, stopBodySchema, triggerBodySchema } from './run-schemas.js';
export { resumeBodySchema, resumeResponseSchema } from './direction-schemas.js';
export { healthReportSchema, publicHealthReportSchema } from './health-schemas.js';
export { historyQuerySchema, historyResponseSchema } from './history-schemas.js';
export { configDocumentSchema, configUpdateResponseSchema, configViewSchema } from './config-schemas.js';

// ── status ────────────────────────────────────────────────────────────────────────────────────────────────────

export const statusResponseSchema = z.object({
  mode: z.enum(syncModes),
  directions: z.array(directionStatusSchema).readonly(),
  run: runProgressSchema
    .nullable()
    .describe('The active full-sync run, else the last one; null before the first.'),
  health: healthReportSchema,
  adoptingTables: z
    .array(z.string())
    .readonly()
    .describe(
      'Bidirectional: tables adopted with rows on both sides whose differences are not settled yet. Both directions stream them; an adoption run (GET /sync/history, kind adoption) settles them and empties this list.',
    ),
});

// ── system ────────────────────────────────────────────────────────────────────────────────────────────────────

export const streamHeadersSchema = z.looseObject({
  'last-event-id': z
    .string()
    .max(64)
    .optional()
    .describe('The id of the last event received; the events after it are replayed when still buffered.'),
});
