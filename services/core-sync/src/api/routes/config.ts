import { withTraceId } from '../../logging/index.js';
import type { ApiInstance, RouteContext } from '../api-context.js';
import {
  configDocumentSchema,
  configUpdateResponseSchema,
  configViewSchema,
  errorResponses,
  jsonResponse,
} from '../schemas.js';

/** `GET /config` and `PUT /config`. */
export function registerConfigRoutes(api: ApiInstance, context: RouteContext): void {
  const { configuration } = context.dependencies;

  api.get(
    '/config',
    {
      config: { access: 'read' },
      schema: {
        summary: 'The configuration as saved, secrets redacted, and which keys wait for a restart',
        description:
          '`config` is the configuration as last saved (the file, with MYSQL_SYNC_* overrides on top) in the YAML file’s shape (snake_case keys): every password reads `[redacted]` and every token `[redacted:<id>]`. Each key is in effect, unless `restartRequired` lists it: then the process still runs its previous value until it restarts. Send `config` back, edited, with PUT.',
        tags: ['config'],
        response: {
          200: jsonResponse(
            configViewSchema,
            'The configuration as saved, and the keys waiting for a restart.',
          ),
          ...errorResponses(401, 429, 500, 503),
        },
      },
    },
    () => configuration.current(),
  );

  api.put(
    '/config',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Replace the configuration',
        description:
          'Send the whole document (`config` of GET /config; a secret left as it reads there keeps its value). It is validated, saved to the config file atomically, and applied where it can be while running; the answer lists which keys are in effect and which need a restart. 400 CONFIG_INVALID lists every problem in details.problems and changes nothing.',
        tags: ['config'],
        body: configDocumentSchema,
        response: {
          200: jsonResponse(configUpdateResponseSchema, 'Saved; what is in effect and what needs a restart.'),
          ...errorResponses(400, 401, 403, 413, 415, 429, 500, 503),
        },
      },
    },
    async (request) => {
      const caller = context.auth.callerOf(request);
      const result = await withTraceId(request.id, () => configuration.update(request.body, caller.label));
      request.log.info(
        { changedBy: caller.label, applied: result.applied, restartRequired: result.restartRequired },
        'configuration changed',
      );
      return result;
    },
  );
}
