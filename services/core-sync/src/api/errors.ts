/**
 * The API's one error shape, `{ error: { code, message, traceId, details? } }`, and the mapping from whatever went
 * wrong to it:
 *
 *   request part fails its schema        → 400 REQUEST_INVALID, details.issues = [{ path: 'body.tables[0]', message }]
 *   SyncError (404, 409, 400, 503…)      → its status, code, own message and details; never its cause
 *   SyncError INTERNAL                   → 500 INTERNAL with the generic message, like any other bug
 *   fastify's body errors                → 400 (bad or empty JSON), 413 PAYLOAD_TOO_LARGE, 415 UNSUPPORTED_MEDIA_TYPE
 *   anything else                        → 500 INTERNAL with a generic message
 *
 * A SyncError's own message is written by the service and says what was being done; the driver's text is its
 * cause, which (like every unexpected error's message: it can hold SQL) never leaves the service. Both are logged
 * with the trace id, which the answer carries so the two can be matched.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { errorCodes, isSyncError, type ErrorCode } from '../errors/index.js';

export interface ValidationIssue {
  /** The field at fault: `body.tables[0]`, `query.limit`, `params.id`. */
  readonly path: string;
  readonly message: string;
}

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly traceId: string;
    readonly details?: Readonly<Record<string, unknown>>;
  };
}

/** A request part failed its schema. */
export class RequestValidationError extends Error {
  readonly statusCode = 400;
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super(`the request is invalid: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
    this.name = 'RequestValidationError';
    this.issues = issues;
  }
}

/** How the parts of a request are named in issue paths. */
const partNames: Readonly<Record<string, string>> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

/**
 * Validates request parts with their zod schemas (fastify-type-provider-zod's compiler, with issues that name
 * each field in the client's terms). Fastify hands an absent body over as null.
 */
export const requestValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  const partName = partNames[httpPart ?? 'body'] ?? 'request';
  return (data: unknown) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    return { error: new RequestValidationError(validationIssues(partName, result.error.issues)) };
  };
};

function validationIssues(partName: string, issues: readonly z.core.$ZodIssue[]): ValidationIssue[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: formatPath(partName, [...issue.path, key]),
          message: 'unknown field',
        }))
      : [{ path: formatPath(partName, issue.path), message: issue.message }],
  );
}

/** `body` + `['tables', 0]` → `body.tables[0]`; keys that are not identifiers are quoted: `body["a b"]`. */
export function formatPath(partName: string, segments: readonly PropertyKey[]): string {
  let path = partName;
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$-]*$/.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(String(segment))}]`;
  }
  return path;
}

interface Failure {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /** A bug or an outage rather than a bad request: logged as an error with the real cause. */
  readonly unexpected: boolean;
}

function failure(code: ErrorCode, message: string, details?: Readonly<Record<string, unknown>>): Failure {
  const status = errorCodes[code].httpStatus;
  return { status, code, message, unexpected: status >= 500, ...(details === undefined ? {} : { details }) };
}

const unexpectedMessage =
  'An unexpected error occurred. It was logged with this traceId; please report it with the log lines around it.';

/** Fastify's own errors about the request body, by their code. */
function fastifyFailure(code: string): Failure | undefined {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return failure('PAYLOAD_TOO_LARGE', 'the request body is larger than 1 MiB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return failure(
        'UNSUPPORTED_MEDIA_TYPE',
        'the request body must be JSON (Content-Type: application/json)',
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return failure('REQUEST_INVALID', 'the request body is not valid JSON');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return failure(
        'REQUEST_INVALID',
        'the request body is empty although Content-Type is application/json: send a JSON document, or no Content-Type',
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return failure('REQUEST_INVALID', 'the Content-Length header does not match the request body');
    default:
      return undefined;
  }
}

/** What the client is told about `error`. */
export function describeFailure(error: unknown): Failure {
  if (error instanceof RequestValidationError) {
    return failure('REQUEST_INVALID', error.message, { issues: error.issues });
  }
  if (isSyncError(error) && error.code !== 'INTERNAL') {
    // The service's own message says what was being done; the cause (a driver's text) stays in the log.
    return {
      status: error.httpStatus,
      code: error.code,
      message: error.message,
      unexpected: error.httpStatus >= 500,
      ...(error.details === undefined ? {} : { details: error.details }),
    };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    const known = fastifyFailure(code);
    if (known !== undefined) return known;
    const statusCode = (error as { statusCode?: unknown }).statusCode;
    if (code.startsWith('FST_') && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return failure('REQUEST_INVALID', 'the request could not be read');
    }
  }
  return failure('INTERNAL', unexpectedMessage);
}

export function errorBody(
  code: ErrorCode,
  message: string,
  traceId: string,
  details?: Readonly<Record<string, unknown>>,
): ErrorBody {
  return { error: { code, message, traceId, ...(details === undefined ? {} : { details }) } };
}

/** Challenge sent with every 401 unless the auth hook set a more precise one. */
export const bearerChallenge = 'Bearer realm="mysql-sync"';

function sendFailure(request: FastifyRequest, reply: FastifyReply, found: Failure): FastifyReply {
  if (found.code === 'UNAUTHORIZED' && !reply.hasHeader('www-authenticate')) {
    reply.header('www-authenticate', bearerChallenge);
  }
  const retryAfterSeconds = found.details?.retryAfterSeconds;
  if (
    typeof retryAfterSeconds === 'number' &&
    (found.code === 'RATE_LIMITED' || found.code === 'TOO_MANY_STREAMS')
  ) {
    reply.header('retry-after', String(retryAfterSeconds));
  }
  if (found.code === 'SERVICE_STOPPING') reply.header('connection', 'close');
  return reply.code(found.status).send(errorBody(found.code, found.message, request.id, found.details));
}

/** Installs the error handler and the not-found handler on the root instance. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    const found = describeFailure(error);
    if (found.unexpected) {
      request.log.error({ error: error, code: found.code, statusCode: found.status }, 'request failed');
    } else {
      request.log.info({ code: found.code, statusCode: found.status }, 'request refused');
    }
    return sendFailure(request, reply, found);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = (request.url.split('?')[0] ?? '').slice(0, 200);
    const found = failure(
      'NOT_FOUND',
      `no route ${request.method} ${path}; GET /api/v1/openapi.json lists them`,
    );
    return sendFailure(request, reply, found);
  });
}
