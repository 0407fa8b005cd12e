/**
 * The parts every API schema shares: the one error shape and the error answers of a route by status, JSON answers
 * with their description, timestamps, counts and the page query.
 */
import { z } from 'zod';

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
