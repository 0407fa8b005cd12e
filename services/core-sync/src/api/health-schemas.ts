/**
 * The schemas of the service's health: the whole report (reasons, problems as error codes, the state store, each
 * direction) and the public one GET /health answers without a token.
 */
import { z } from 'zod';
import { isoTimestamp } from './shared-schemas.js';

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
