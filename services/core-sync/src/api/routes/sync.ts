import { SyncError } from '../../errors/index.js';
import { withTraceId } from '../../logging/index.js';
import type { TriggerRequest } from '../../manager/index.js';
import type { SyncHistoryEntry } from '../../store/index.js';
import type { ApiInstance, RouteContext } from '../api-context.js';
import { assessHealth } from '../health.js';
import {
  errorResponses,
  historyQuerySchema,
  historyResponseSchema,
  jsonResponse,
  resumeBodySchema,
  resumeResponseSchema,
  runProgressSchema,
  statusResponseSchema,
  stopBodySchema,
  triggerBodySchema,
} from '../schemas.js';

/** `/sync/trigger`, `/sync/stop`, `/sync/resume`, `/sync/status`, `/sync/history` (the stream is in sse-route.ts). */
export function registerSyncRoutes(api: ApiInstance, context: RouteContext): void {
  registerRunRoutes(api, context);
  registerReportRoutes(api, context);
}

/** `/sync/trigger`, `/sync/stop` and `/sync/resume`. */
function registerRunRoutes(api: ApiInstance, context: RouteContext): void {
  const { control, pauses } = context.dependencies;

  api.post(
    '/sync/trigger',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Start a full sync, or preview one',
        description:
          'Compares the tables chunk by chunk on both sides and repairs the differences; with dryRun, only reports per table what it would do (tables[].changes) and writes nothing. One run at a time: 409 SYNC_ALREADY_RUNNING while one runs. Answers at once with the run’s first progress; follow it on GET /sync/stream or GET /sync/status.',
        tags: ['sync'],
        body: triggerBodySchema,
        response: {
          202: jsonResponse(runProgressSchema, 'The run started: its first progress.'),
          ...errorResponses(400, 401, 403, 409, 413, 415, 429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const caller = context.auth.callerOf(request);
      const body = request.body;
      const trigger: TriggerRequest = {
        ...(body.tables === undefined ? {} : { tables: body.tables }),
        ...(body.direction === undefined ? {} : { direction: body.direction }),
        ...(body.dryRun === undefined ? {} : { dryRun: body.dryRun }),
      };
      const progress = await withTraceId(request.id, () =>
        control.trigger(trigger, caller.label, request.id),
      );
      request.log.info(
        { runId: progress.runId, triggeredBy: caller.label, dryRun: progress.dryRun },
        'full sync triggered',
      );
      return reply.code(202).send(progress);
    },
  );

  api.post(
    '/sync/stop',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Stop the running full sync',
        description:
          'Stops after the batches in flight (whole batches only) and answers with the run’s final progress. 409 SYNC_NOT_RUNNING when no run is active.',
        tags: ['sync'],
        body: stopBodySchema,
        response: {
          200: jsonResponse(runProgressSchema, 'The run stopped: its final progress.'),
          ...errorResponses(400, 401, 403, 409, 413, 415, 429, 500, 503),
        },
      },
    },
    async (request) => {
      const caller = context.auth.callerOf(request);
      const progress = await withTraceId(request.id, () => control.stop());
      if (progress === null) throw new SyncError('SYNC_NOT_RUNNING', 'no full sync is running');
      request.log.info({ runId: progress.runId, stoppedBy: caller.label }, 'full sync stopped');
      return progress;
    },
  );

  api.post(
    '/sync/resume',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Resume the paused tables',
        description:
          'Once the cause of a pause is fixed (the target writable again, the DDL applied on the target, the refused row made to fit…): restarts the sync service in the process, as a configuration change does, and every paused table reads its held changes again from where it paused. A table whose cause is not fixed pauses again; follow GET /sync/status. 409 NOTHING_PAUSED when no table is paused, 409 SYNC_ALREADY_RUNNING while a full sync runs.',
        tags: ['sync'],
        body: resumeBodySchema,
        response: {
          200: jsonResponse(resumeResponseSchema, 'The service runs again; these tables were paused.'),
          ...errorResponses(400, 401, 403, 409, 413, 415, 429, 500, 503),
        },
      },
    },
    async (request) => {
      const caller = context.auth.callerOf(request);
      const outcome = await withTraceId(request.id, () => pauses.resume(caller.label));
      request.log.info(
        {
          resumedBy: caller.label,
          tables: outcome.resumed.map((entry) => `${entry.direction} ${entry.table}`),
        },
        'paused tables resumed',
      );
      return outcome;
    },
  );
}

/** `/sync/status` and `/sync/history`. */
function registerReportRoutes(api: ApiInstance, context: RouteContext): void {
  const { control, status } = context.dependencies;

  api.get(
    '/sync/status',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Replication and full-sync status',
        description: 'Each direction’s state, the current or last full-sync run, and the health assessment.',
        tags: ['sync'],
        response: {
          200: jsonResponse(statusResponseSchema, 'The status.'),
          ...errorResponses(401, 429, 500, 503),
        },
      },
    },
    () => {
      const serviceStatus = status();
      return {
        mode: serviceStatus.mode,
        directions: serviceStatus.directions,
        run: control.currentRun,
        health: assessHealth(serviceStatus),
        adoptingTables: serviceStatus.adoptingTables ?? [],
      };
    },
  );

  api.get(
    '/sync/history',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Past full-sync runs',
        description: 'Newest first, paged with limit (1–500, default 50) and offset.',
        tags: ['sync'],
        querystring: historyQuerySchema,
        response: {
          200: jsonResponse(historyResponseSchema, 'One page of runs.'),
          ...errorResponses(400, 401, 429, 500, 503),
        },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const page = await control.history({ limit, offset });
      return { entries: page.entries.map(historyEntryJson), total: page.total, limit, offset };
    },
  );
}

function historyEntryJson(entry: SyncHistoryEntry) {
  return {
    ...entry,
    startedAt: entry.startedAt.toISOString(),
    completedAt: entry.completedAt?.toISOString() ?? null,
  };
}
