import { withTraceId } from '../../logging/index.js';
import type { ConflictRecord } from '../../store/index.js';
import type { ConflictChoice } from '../../sync/index.js';
import type { ApiInstance, RouteContext } from '../api-context.js';
import {
  conflictListQuerySchema,
  conflictListResponseSchema,
  conflictParamsSchema,
  conflictSchema,
  resolveBodySchema,
} from '../conflict-schemas.js';
import { errorResponses, jsonResponse } from '../schemas.js';

/** `/conflicts`, `/conflicts/:id`, `/conflicts/:id/resolve`. */
export function registerConflictRoutes(api: ApiInstance, context: RouteContext): void {
  registerConflictReads(api, context);
  registerConflictResolution(api, context);
}

/** `/conflicts` and `/conflicts/:id`. */
function registerConflictReads(api: ApiInstance, context: RouteContext): void {
  const { conflicts } = context.dependencies;

  api.get(
    '/conflicts',
    {
      config: { access: 'read' },
      schema: {
        summary: 'List conflicts',
        description:
          'Newest first; filter by table and by resolved=true|false; paged with limit (1–500, default 50) and offset.',
        tags: ['conflicts'],
        querystring: conflictListQuerySchema,
        response: {
          200: jsonResponse(conflictListResponseSchema, 'One page of conflicts.'),
          ...errorResponses(400, 401, 429, 500, 503),
        },
      },
    },
    async (request) => {
      const { table, resolved, limit, offset } = request.query;
      const page = await conflicts.list({
        limit,
        offset,
        ...(table === undefined ? {} : { tableName: table }),
        ...(resolved === undefined ? {} : { resolved }),
      });
      return { conflicts: page.conflicts.map(conflictJson), total: page.total, limit, offset };
    },
  );

  api.get(
    '/conflicts/:id',
    {
      config: { access: 'read' },
      schema: {
        summary: 'One conflict, with both versions of the row',
        tags: ['conflicts'],
        params: conflictParamsSchema,
        response: {
          200: jsonResponse(conflictSchema, 'The conflict.'),
          ...errorResponses(400, 401, 404, 429, 500, 503),
        },
      },
    },
    async (request) => conflictJson(await conflicts.get(request.params.id)),
  );
}

/** `/conflicts/:id/resolve`. */
function registerConflictResolution(api: ApiInstance, context: RouteContext): void {
  const { conflicts } = context.dependencies;

  api.post(
    '/conflicts/:id/resolve',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Resolve a conflict',
        description:
          'Writes the chosen version (one side’s row, or edited data keeping the primary key: every column, or some filled from one side’s stored row with fillFrom) to both databases and marks the conflict resolved; the answer’s resolutionColumns says which columns were given and which filled. 404 CONFLICT_NOT_FOUND, 409 CONFLICT_ALREADY_RESOLVED, 400 CONFLICT_RESOLUTION_INVALID (bad or unknown columns, a changed key), 400 CONFLICT_RESOLUTION_INCOMPLETE (columns left out without fillFrom, or fillFrom a side where the row is absent).',
        tags: ['conflicts'],
        params: conflictParamsSchema,
        body: resolveBodySchema,
        response: {
          200: jsonResponse(conflictSchema, 'The conflict, resolved.'),
          ...errorResponses(400, 401, 403, 404, 409, 413, 415, 429, 500, 503),
        },
      },
    },
    async (request) => {
      const caller = context.auth.callerOf(request);
      const { side, data, fillFrom } = request.body;
      const choice: ConflictChoice =
        side !== undefined ? { side } : fillFrom === undefined ? { data } : { data, fillFrom };
      const resolved = await withTraceId(request.id, () =>
        conflicts.resolve(request.params.id, choice, caller.label),
      );
      request.log.info(
        { conflictId: resolved.id, table: resolved.tableName, resolvedBy: caller.label },
        'conflict resolved',
      );
      return conflictJson(resolved);
    },
  );
}

function conflictJson(conflict: ConflictRecord) {
  return {
    ...conflict,
    detectedAt: conflict.detectedAt.toISOString(),
    resolvedAt: conflict.resolvedAt?.toISOString() ?? null,
  };
}
