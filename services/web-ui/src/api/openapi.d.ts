/**
 * Generated from src/api/openapi.json (core-sync’s OpenAPI document) by `npm run openapi:update`.
 * Do not edit: change core-sync’s route schemas, then regenerate.
 */
export interface paths {
  '/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Liveness and readiness
     * @description 200 when ok or degraded (paused tables), 503 when a direction failed or its binlog stream is down. No token needed: without one, the answer has states and error codes only; with a known token (any), it has the reasons in words, the lag and the paused tables. An unknown token is refused (401).
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description ok or degraded (PublicHealthReport without a token). */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json':
              components['schemas']['HealthReport'] | components['schemas']['PublicHealthReport'];
          };
        };
        /** @description No bearer token, or an unknown one (UNAUTHORIZED); the WWW-Authenticate header says which. */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Too many wrong tokens from this address (RATE_LIMITED); Retry-After says for how long. */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description An unexpected error (INTERNAL); the log has it under the traceId. */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description down; the problems say why (the reasons too, with a token). */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json':
              components['schemas']['HealthReport'] | components['schemas']['PublicHealthReport'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sync/trigger': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Start a full sync, or preview one
     * @description Compares the tables chunk by chunk on both sides and repairs the differences; with dryRun, only reports per table what it would do (tables[].changes) and writes nothing. One run at a time: 409 SYNC_ALREADY_RUNNING while one runs. Answers at once with the run’s first progress; follow it on GET /sync/stream or GET /sync/status.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: {
        content: {
          'application/json': components['schemas']['TriggerRequestInput'];
        };
      };
      responses: {
        /** @description The run started: its first progress. */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['RunProgress'];
          };
        };
        /** @description The request is invalid: REQUEST_INVALID names each field at fault in details.issues (or a more precise code). */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description No bearer token, or an unknown one (UNAUTHORIZED); the WWW-Authenticate header says which. */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description A read-only token on a request that changes something (FORBIDDEN). */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The request conflicts with the current state. */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The request body is larger than 1 MiB (PAYLOAD_TOO_LARGE). */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The request body is not JSON (UNSUPPORTED_MEDIA_TYPE). */
        415: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Too many wrong tokens from this address (RATE_LIMITED); Retry-After says for how long. */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description An unexpected error (INTERNAL); the log has it under the traceId. */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The service is shutting down (SERVICE_STOPPING), or a database it needs is unavailable. */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sync/stop': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Stop the running full sync
     * @description Stops after the batches in flight (whole batches only) and answers with the run’s final progress. 409 SYNC_NOT_RUNNING when no run is active.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      /** @description No body, or an empty object. */
      requestBody?: {
        content: {
          'application/json': Record<string, never> | null;
        };
      };
      responses: {
        /** @description The run stopped: its final progress. */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['RunProgress'];
          };
        };
        /** @description The request is invalid: REQUEST_INVALID names each field at fault in details.issues (or a more precise code). */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description No bearer token, or an unknown one (UNAUTHORIZED); the WWW-Authenticate header says which. */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description A read-only token on a request that changes something (FORBIDDEN). */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The request conflicts with the current state. */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The request body is larger than 1 MiB (PAYLOAD_TOO_LARGE). */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The request body is not JSON (UNSUPPORTED_MEDIA_TYPE). */
        415: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Too many wrong tokens from this address (RATE_LIMITED); Retry-After says for how long. */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description An unexpected error (INTERNAL); the log has it under the traceId. */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The service is shutting down (SERVICE_STOPPING), or a database it needs is unavailable. */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sync/resume': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Resume the paused tables
     * @description Once the cause of a pause is fixed (the target writable again, the DDL applied on the target, the refused row made to fit…): restarts the sync service in the process, as a configuration change does, and every paused table reads its held changes again from where it paused. A table whose cause is not fixed pauses again; follow GET /sync/status. 409 NOTHING_PAUSED when no table is paused, 409 SYNC_ALREADY_RUNNING while a full sync runs.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      /** @description No body, or an empty object. */
      requestBody: {
        content: {
          'application/json': Record<string, never> | null;
        };
      };
      responses: {
        /** @description The service runs again; these tables were paused. */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ResumeResult'];
          };
        };
        /** @description The request is invalid: REQUEST_INVALID names each field at fault in details.issues (or a more precise code). */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description No bearer token, or an unknown one (UNAUTHORIZED); the WWW-Authenticate header says which. */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description A read-only token on a request that changes something (FORBIDDEN). */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The request conflicts with the current state. */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The request body is larger than 1 MiB (PAYLOAD_TOO_LARGE). */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The request body is not JSON (UNSUPPORTED_MEDIA_TYPE). */
        415: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Too many wrong tokens from this address (RATE_LIMITED); Retry-After says for how long. */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description An unexpected error (INTERNAL); the log has it under the traceId. */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The service is shutting down (SERVICE_STOPPING), or a database it needs is unavailable. */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sync/status': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Replication and full-sync status
     * @description Each direction’s state, the current or last full-sync run, and the health assessment.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description The status. */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              mode: 'local_to_cloud' | 'cloud_to_local' | 'bidirectional';
              readonly directions: components['schemas']['DirectionStatus'][];
              /** @description The active full-sync run, else the last one; null before the first. */
              run: components['schemas']['RunProgress'] | null;
              health: components['schemas']['HealthReport'];
              /** @description Bidirectional: tables adopted with rows on both sides whose differences are not settled yet. Both directions stream them; an adoption run (GET /sync/history, kind adoption) settles them and empties this list. */
              readonly adoptingTables: string[];
            };
          };
        };
        /** @description No bearer token, or an unknown one (UNAUTHORIZED); the WWW-Authenticate header says which. */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Too many wrong tokens from this address (RATE_LIMITED); Retry-After says for how long. */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description An unexpected error (INTERNAL); the log has it under the traceId. */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The service is shutting down (SERVICE_STOPPING), or a database it needs is unavailable. */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sync/history': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Past full-sync runs
     * @description Newest first, paged with limit (1–500, default 50) and offset.
     */
    get: {
      parameters: {
        query?: {
          /** @description Entries per page, 1–500 (default 50). */
          limit?: number;
          /** @description Entries to skip (default 0). */
          offset?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description One page of runs. */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Newest first. */
              entries: components['schemas']['SyncHistoryEntry'][];
              total: number;
              limit: number;
              offset: number;
            };
          };
        };
        /** @description The request is invalid: REQUEST_INVALID names each field at fault in details.issues (or a more precise code). */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description No bearer token, or an unknown one (UNAUTHORIZED); the WWW-Authenticate header says which. */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Too many wrong tokens from this address (RATE_LIMITED); Retry-After says for how long. */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description An unexpected error (INTERNAL); the log has it under the traceId. */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The service is shutting down (SERVICE_STOPPING), or a database it needs is unavailable. */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sync/stream': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Stream sync events (Server-Sent Events)
     * @description Server-Sent Events: the public events of the service as they happen (see docs/api.md "Event stream"). Each event is `id: <n>`, `event: <type>` (status, lag, conflict-detected, conflict-resolved, progress, run, schema-change, reset) and `data: <JSON>`. Send `Last-Event-ID` to replay what was missed; `: heartbeat` comments come every 15 s. Authenticate with the Authorization header (a token in the URL is never accepted). Streams are capped in all (server.event_stream_max_clients) and per token (server.event_stream_max_clients_per_token): over a cap the answer is 429 TOO_MANY_STREAMS with Retry-After.
     */
    get: {
      parameters: {
        query?: never;
        header?: {
          /** @description The id of the last event received; the events after it are replayed when still buffered. */
          'last-event-id'?: string;
        };
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description An endless text/event-stream. */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': string;
          };
        };
        /** @description The request is invalid: REQUEST_INVALID names each field at fault in details.issues (or a more precise code). */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description No bearer token, or an unknown one (UNAUTHORIZED); the WWW-Authenticate header says which. */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Too many wrong tokens from this address (RATE_LIMITED); Retry-After says for how long. */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description An unexpected error (INTERNAL); the log has it under the traceId. */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The service is shutting down (SERVICE_STOPPING), or a database it needs is unavailable. */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/conflicts': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List conflicts
     * @description Newest first; filter by table and by resolved=true|false; paged with limit (1–500, default 50) and offset.
     */
    get: {
      parameters: {
        query?: {
          /** @description Only conflicts of this table. */
          table?: string;
          /** @description Only resolved (`true`) or unresolved (`false`) conflicts. */
          resolved?: 'true' | 'false';
          /** @description Entries per page, 1–500 (default 50). */
          limit?: number;
          /** @description Entries to skip (default 0). */
          offset?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description One page of conflicts. */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Newest first. */
              conflicts: components['schemas']['Conflict'][];
              total: number;
              limit: number;
              offset: number;
            };
          };
        };
        /** @description The request is invalid: REQUEST_INVALID names each field at fault in details.issues (or a more precise code). */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description No bearer token, or an unknown one (UNAUTHORIZED); the WWW-Authenticate header says which. */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Too many wrong tokens from this address (RATE_LIMITED); Retry-After says for how long. */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description An unexpected error (INTERNAL); the log has it under the traceId. */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The service is shutting down (SERVICE_STOPPING), or a database it needs is unavailable. */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/conflicts/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One conflict, with both versions of the row */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The conflict id from GET /api/v1/conflicts. */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description The conflict. */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Conflict'];
          };
        };
        /** @description The request is invalid: REQUEST_INVALID names each field at fault in details.issues (or a more precise code). */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description No bearer token, or an unknown one (UNAUTHORIZED); the WWW-Authenticate header says which. */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description No such resource. */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Too many wrong tokens from this address (RATE_LIMITED); Retry-After says for how long. */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description An unexpected error (INTERNAL); the log has it under the traceId. */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The service is shutting down (SERVICE_STOPPING), or a database it needs is unavailable. */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/conflicts/{id}/resolve': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Resolve a conflict
     * @description Writes the chosen version (one side’s row, or edited data keeping the primary key: every column, or some filled from one side’s stored row with fillFrom) to both databases and marks the conflict resolved; the answer’s resolutionColumns says which columns were given and which filled. 404 CONFLICT_NOT_FOUND, 409 CONFLICT_ALREADY_RESOLVED, 400 CONFLICT_RESOLUTION_INVALID (bad or unknown columns, a changed key), 400 CONFLICT_RESOLUTION_INCOMPLETE (columns left out without fillFrom, or fillFrom a side where the row is absent).
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The conflict id from GET /api/v1/conflicts. */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': components['schemas']['ConflictResolutionInput'];
        };
      };
      responses: {
        /** @description The conflict, resolved. */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Conflict'];
          };
        };
        /** @description The request is invalid: REQUEST_INVALID names each field at fault in details.issues (or a more precise code). */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description No bearer token, or an unknown one (UNAUTHORIZED); the WWW-Authenticate header says which. */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description A read-only token on a request that changes something (FORBIDDEN). */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description No such resource. */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The request conflicts with the current state. */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The request body is larger than 1 MiB (PAYLOAD_TOO_LARGE). */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The request body is not JSON (UNSUPPORTED_MEDIA_TYPE). */
        415: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Too many wrong tokens from this address (RATE_LIMITED); Retry-After says for how long. */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description An unexpected error (INTERNAL); the log has it under the traceId. */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The service is shutting down (SERVICE_STOPPING), or a database it needs is unavailable. */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/config': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The configuration as saved, secrets redacted, and which keys wait for a restart
     * @description `config` is the configuration as last saved (the file, with MYSQL_SYNC_* overrides on top) in the YAML file’s shape (snake_case keys): every password reads `[redacted]` and every token `[redacted:<id>]`. Each key is in effect, unless `restartRequired` lists it: then the process still runs its previous value until it restarts. Send `config` back, edited, with PUT.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description The configuration as saved, and the keys waiting for a restart. */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ConfigView'];
          };
        };
        /** @description No bearer token, or an unknown one (UNAUTHORIZED); the WWW-Authenticate header says which. */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Too many wrong tokens from this address (RATE_LIMITED); Retry-After says for how long. */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description An unexpected error (INTERNAL); the log has it under the traceId. */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The service is shutting down (SERVICE_STOPPING), or a database it needs is unavailable. */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    /**
     * Replace the configuration
     * @description Send the whole document (`config` of GET /config; a secret left as it reads there keeps its value). It is validated, saved to the config file atomically, and applied where it can be while running; the answer lists which keys are in effect and which need a restart. 400 CONFIG_INVALID lists every problem in details.problems and changes nothing.
     */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': components['schemas']['ConfigDocumentInput'];
        };
      };
      responses: {
        /** @description Saved; what is in effect and what needs a restart. */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ConfigUpdateResult'];
          };
        };
        /** @description The request is invalid: REQUEST_INVALID names each field at fault in details.issues (or a more precise code). */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description No bearer token, or an unknown one (UNAUTHORIZED); the WWW-Authenticate header says which. */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description A read-only token on a request that changes something (FORBIDDEN). */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The request body is larger than 1 MiB (PAYLOAD_TOO_LARGE). */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The request body is not JSON (UNSUPPORTED_MEDIA_TYPE). */
        415: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Too many wrong tokens from this address (RATE_LIMITED); Retry-After says for how long. */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description An unexpected error (INTERNAL); the log has it under the traceId. */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The service is shutting down (SERVICE_STOPPING), or a database it needs is unavailable. */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Prometheus metrics
     * @description The Prometheus text exposition format. Scrape with the read-only token as a bearer token.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Prometheus text format. */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/plain': string;
          };
        };
        /** @description No bearer token, or an unknown one (UNAUTHORIZED); the WWW-Authenticate header says which. */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Too many wrong tokens from this address (RATE_LIMITED); Retry-After says for how long. */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description An unexpected error (INTERNAL); the log has it under the traceId. */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The service is shutting down (SERVICE_STOPPING), or a database it needs is unavailable. */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/openapi.json': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * This API’s OpenAPI document
     * @description Generated from the route schemas. Needs a token like every /api/v1 route; a read-only token is enough.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description The OpenAPI 3 document. */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              openapi: string;
              info: {
                [key: string]: unknown;
              };
              paths: {
                [key: string]: unknown;
              };
            } & {
              [key: string]: unknown;
            };
          };
        };
        /** @description No bearer token, or an unknown one (UNAUTHORIZED); the WWW-Authenticate header says which. */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Too many wrong tokens from this address (RATE_LIMITED); Retry-After says for how long. */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description An unexpected error (INTERNAL); the log has it under the traceId. */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The service is shutting down (SERVICE_STOPPING), or a database it needs is unavailable. */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    /** @description May be omitted: a full sync of every table in the configured mode. */
    TriggerRequestInput: {
      /** @description Configured table names to sync; every configured table when absent. */
      tables?: string[];
      /**
       * @description A direction the configured sync.mode allows; the configured mode when absent.
       * @enum {string}
       */
      direction?: 'local_to_cloud' | 'cloud_to_local' | 'bidirectional';
      /** @description Preview: compare and report per table what the run would copy, delete and change, and which rows it would list as conflicts, with sample keys (`tables[].changes`); nothing is written. Not recorded in the history. */
      dryRun?: boolean;
    } | null;
    /** @description The configuration in the YAML file’s shape (snake_case). Passwords read `[redacted]`, tokens `[redacted:<id>]` (the id names the token without revealing it); sent back as they read, they keep the secret they stand for, wherever a token’s placeholder now stands. */
    ConfigDocumentInput: {
      [key: string]: unknown;
    };
    /** @description `{ "side": "local" }`, `{ "side": "cloud" }`, `{ "data": {…every column…} }` or `{ "data": {…some columns…}, "fillFrom": "local" | "cloud" }`. Data that leaves columns out without fillFrom is refused (400 CONFLICT_RESOLUTION_INCOMPLETE), so both sides always end with the same whole row. */
    ConflictResolutionInput: {
      /**
       * @description Keep this side’s version of the row.
       * @enum {string}
       */
      side?: 'local' | 'cloud';
      /** @description The edited merged row: a value (or null) for every column, keeping the row’s primary key. Columns left out need fillFrom. */
      data?: {
        [key: string]: unknown;
      };
      /**
       * @description With data: the side whose stored row gives the columns data leaves out (refused when the row is absent there).
       * @enum {string}
       */
      fillFrom?: 'local' | 'cloud';
    };
    /** @description Every error answer of the API. */
    Error: {
      error: {
        /** @description A code from docs/api.md "Error codes", e.g. REQUEST_INVALID. */
        code: string;
        message: string;
        /** @description Also in the x-request-id header and in the log lines of this request. */
        traceId: string;
        /** @description Structured facts: `issues` for REQUEST_INVALID, `problems` for CONFIG_INVALID. */
        details?: {
          [key: string]: unknown;
        };
      };
    };
    /** @description A full-sync run: its state and progress. */
    RunProgress: {
      runId: string;
      /** @enum {string} */
      kind: 'initial' | 'manual' | 'scheduled' | 'fallback' | 'adoption';
      /** @description A preview: nothing was written. */
      dryRun: boolean;
      /** @enum {string} */
      state: 'idle' | 'running' | 'completed' | 'failed' | 'stopped';
      direction: string;
      /** @description ISO 8601 timestamp (UTC). */
      startedAt: string;
      /** @description ISO 8601 timestamp (UTC). */
      finishedAt: string | null;
      readonly tables: {
        table: string;
        /** @enum {string} */
        state: 'pending' | 'comparing' | 'done' | 'failed' | 'stopped';
        chunksTotal: number;
        chunksCompared: number;
        /** @description Rows on the larger side: estimated before the compare, exact after. */
        rowsTotal: number;
        rowsCompared: number;
        rowsChanged: number;
        conflicts: number;
        /** @description The differing rows by decision: what a dry run would do, or what the run did. */
        changes: {
          /** @description Rows on one side only, copied to the other: by the side copied to. */
          copied: {
            local: number;
            cloud: number;
          };
          /** @description Rows deleted, by the side deleted on: one-way, target rows the source lacks; bidirectional, a delete on the other side replayed (docs/bidirectional.md, "Rows on one side only"). */
          deleted: {
            local: number;
            cloud: number;
          };
          /** @description Rows on both sides that differ: by the side whose version both end with. */
          changed: {
            local: number;
            cloud: number;
          };
          /** @description Differing rows left for a person (the manual strategy). */
          conflicts: number;
          /** @description Bidirectional: rows on one side only whose binlogs cannot tell whether they were added there or deleted on the other side: left as they are and listed as conflicts (insert_or_delete). */
          undecided: number;
          sampleKeys: {
            /** @description Up to 10 primary keys, each as its key columns joined (the conflict list shows the same text). */
            readonly copied: string[];
            /** @description Up to 10 primary keys, each as its key columns joined (the conflict list shows the same text). */
            readonly deleted: string[];
            /** @description Up to 10 primary keys, each as its key columns joined (the conflict list shows the same text). */
            readonly changed: string[];
            /** @description Up to 10 primary keys, each as its key columns joined (the conflict list shows the same text). */
            readonly conflicts: string[];
            /** @description Up to 10 primary keys, each as its key columns joined (the conflict list shows the same text). */
            readonly undecided: string[];
          };
        };
        error: string | null;
      }[];
      /** @description A preview of a bidirectional sync with sync.realtime false: the changes of each side since the last run (by that side) that the real run first applies to the other side from the binlogs, before it compares. The preview reads them and applies nothing, so `tables[].changes` count the rows as they are now, including the differences those changes would carry over; the real run's figures then differ by what they carried. Null for a real run, and when nothing waits (the directions stream). */
      pendingChanges: {
        local: number;
        cloud: number;
      } | null;
      rowsTotal: number;
      rowsCompared: number;
      rowsChanged: number;
      conflicts: number;
      /** @description 0–100, by rows compared. */
      percent: number;
      rowsPerSecond: number;
      /** @description Seconds left at the current rate; null before there is a rate. */
      etaSeconds: number | null;
      error: {
        code: string;
        message: string;
      } | null;
      traceId: string;
    };
    /** @description The paused tables that were resumed. */
    ResumeResult: {
      /** @description The tables that were paused. Each reads its held changes again; one whose cause is not fixed pauses again. */
      readonly resumed: {
        /** @enum {string} */
        direction: 'local_to_cloud' | 'cloud_to_local';
        table: string;
        /** @enum {string} */
        reason:
          | 'row-rejected'
          | 'schema-change'
          | 'incomplete-row-image'
          | 'target-read-only'
          | 'target-full'
          | 'row-too-large';
        /** @description The error code the table was paused with. */
        code: string;
      }[];
    };
    /** @description A schema change (DDL) of a synced table read from the source, and where it stands (sync.ddl). */
    SchemaChange: {
      table: string;
      /** @description The statement as the source ran it (long ones cut short). */
      statement: string;
      /** @description The position after it in the source's binlog. */
      position: string;
      /**
       * @description waiting: for the changes read before it to be applied; applying: running on the target; applied: run there; found-applied: the target had it already, not run again; echo: the service's own statement for the other direction; followed (sync.ddl: pause): the target had the same columns; paused: not carried over, the table is paused (see message).
       * @enum {string}
       */
      state: 'waiting' | 'applying' | 'applied' | 'found-applied' | 'echo' | 'followed' | 'paused';
      /** @description When it was read from the binlog. */
      seenAt: string;
      /** @description How long running it on the target took, once it ran. */
      durationMs: number | null;
      message: string | null;
    };
    /** @description One replication direction (local → cloud or cloud → local). */
    DirectionStatus: {
      /** @enum {string} */
      source: 'local' | 'cloud';
      /** @enum {string} */
      target: 'local' | 'cloud';
      /** @enum {string} */
      state: 'starting' | 'snapshotting' | 'streaming' | 'idle' | 'stopping' | 'stopped' | 'failed';
      error: {
        code: string;
        message: string;
      } | null;
      stream: {
        state: string;
        position: string | null;
        /** @description How far the binlog reader is behind the source (ms); while an XA transaction is prepared and undecided, at least its age. */
        lagMs: number | null;
        /** @description XA transactions prepared on the source and not yet committed or rolled back: their changes are held (applied at XA COMMIT, dropped at XA ROLLBACK). */
        preparedXa: {
          count: number;
          /** @description The oldest one's xid as the server prints it: X'<gtrid hex>',X'<bqual hex>',<formatId>. */
          oldestXid: string | null;
          /** @description When the oldest was prepared on the source (ISO time). */
          oldestPreparedAt: string | null;
          oldestAgeMs: number | null;
          /** @description Where a restart reads the binlog from to see the held changes again. */
          restartPosition: string | null;
        };
        reconnectAttempt: number;
        lastError: {
          code: string;
          message: string;
        } | null;
      } | null;
      watermark: string | null;
      queueDepth: number;
      backpressure: {
        queueCapacity: number;
        sourcePaused: boolean;
        pauseCount: number;
        peakQueueDepth: number;
      } | null;
      rowsApplied: number;
      /** @description Batches failing and being retried: DATABASE_UNAVAILABLE (the target cannot be reached) or APPLY_FAILED (it answered with an error worth retrying), since when; null while batches succeed. */
      applyFailure: {
        code: string;
        message: string;
        /** @description ISO 8601 timestamp (UTC). */
        since: string;
      } | null;
      readonly tables: {
        table: string;
        /** @enum {string} */
        state: 'pending' | 'snapshotting' | 'streaming' | 'synced' | 'paused';
        rowsApplied: number;
        rowsCopied: number;
        pause: {
          table: string;
          /** @enum {string} */
          reason:
            | 'row-rejected'
            | 'schema-change'
            | 'incomplete-row-image'
            | 'target-read-only'
            | 'target-full'
            | 'row-too-large';
          /** @description The error code: ROW_REJECTED, TABLE_PAUSED_DDL, TARGET_READ_ONLY, TARGET_FULL or ROW_TOO_LARGE. */
          code: string;
          /** @description What is wrong and what to do about it. */
          message: string;
          fromSequence: number;
          resumePosition: {
            file: string;
            offset: number;
            gtid: string | null;
          } | null;
          position: {
            file: string;
            offset: number;
            gtid: string | null;
          } | null;
          /** @description The refused row, for row rejections (long values cut short, binary ones as their size). */
          row: {
            [key: string]: unknown;
          } | null;
          /** @description The database driver's code of the error, when the server refused. */
          errorCode: string | null;
        } | null;
      }[];
      /** @description The schema changes read from the source since the start, newest first (at most 20). */
      readonly schemaChanges: components['schemas']['SchemaChange'][];
    };
    /** @description `down` is answered with 503 by GET /health. */
    HealthReport: {
      /** @enum {string} */
      status: 'ok' | 'degraded' | 'down';
      /**
       * @description With high_availability: whether this replica leads (syncs) or stands by.
       * @enum {string}
       */
      role?: 'leader' | 'standby';
      /** @description Why the service is not fully healthy; empty when it is. */
      readonly reasons: string[];
      /** @description Each reason as an error code, in the same order; empty when healthy. */
      readonly problems: {
        /** @description local_to_cloud or cloud_to_local; null for the state store. */
        direction: string | null;
        /** @description The error code (docs/errors.md). */
        code: string;
      }[];
      /** @description Whether the state store answers. Syncing goes on while it does not (degraded): see the error code STATE_STORE_UNAVAILABLE. */
      stateStore?: {
        available: boolean;
        /** @description When the current outage began; null while available. */
        unavailableSince: string | null;
        /** @description STATE_STORE_UNAVAILABLE and what the last failed call met; null while available. */
        error: {
          code: string;
          message: string;
        } | null;
      };
      mode: string;
      readonly directions: {
        direction: string;
        state: string;
        stream: string | null;
        lagMs: number | null;
        readonly pausedTables: string[];
      }[];
    };
    /** @description GET /health without a token: states and error codes only (no messages, table names or times). Send a token for the whole HealthReport. */
    PublicHealthReport: {
      /** @enum {string} */
      status: 'ok' | 'degraded' | 'down';
      /** @enum {string} */
      role?: 'leader' | 'standby';
      mode: string;
      stateStore?: {
        available: boolean;
      };
      readonly directions: {
        direction: string;
        state: string;
        stream: string | null;
      }[];
      /** @description Each reason as an error code, in the same order; empty when healthy. */
      readonly problems: {
        /** @description local_to_cloud or cloud_to_local; null for the state store. */
        direction: string | null;
        /** @description The error code (docs/errors.md). */
        code: string;
      }[];
    };
    SyncHistoryEntry: {
      id: string;
      /** @enum {string} */
      kind: 'initial' | 'manual' | 'scheduled' | 'fallback' | 'adoption';
      /** @description ISO 8601 timestamp (UTC). */
      startedAt: string;
      /** @description ISO 8601 timestamp (UTC). */
      completedAt: string | null;
      direction: string;
      tablesSynced: string[];
      totalRows: number;
      rowsChanged: number;
      conflictsDetected: number;
      /** @description `running`, `completed`, `failed`, `stopped`, or `interrupted`: the process stopped during the run before recording its end (closed by the next start). */
      status: string;
      errorMessage: string | null;
      traceId: string | null;
      /** @description Who or what started it: a token label, `cron`, `binlog-fallback`… */
      triggerSource: string | null;
    };
    /** @description The configuration in the YAML file’s shape (snake_case). Passwords read `[redacted]`, tokens `[redacted:<id>]` (the id names the token without revealing it); sent back as they read, they keep the secret they stand for, wherever a token’s placeholder now stands. */
    ConfigDocument: {
      [key: string]: unknown;
    };
    ConfigView: {
      config: components['schemas']['ConfigDocument'];
      /** @description Key paths whose saved values take effect at the next start of core-sync; every other key is in effect. */
      readonly restartRequired: string[];
    };
    ConfigUpdateResult: {
      /** @description Key paths whose new values are in effect. */
      readonly applied: string[];
      /** @description Key paths saved to the file that take effect after a restart. */
      readonly restartRequired: string[];
      config: components['schemas']['ConfigDocument'];
    };
    ResolutionColumns: {
      /** @description The columns the edited data gave, in table order. */
      readonly given: string[];
      /**
       * @description The side whose stored row filled the columns the data left out; null when none were.
       * @enum {string|null}
       */
      filledFrom: 'local' | 'cloud' | null;
      /** @description The columns taken from `filledFrom`’s row, in table order. */
      readonly filled: string[];
    };
    Conflict: {
      id: string;
      tableName: string;
      /** @description The row key, serialised (a JSON array of the key columns). */
      primaryKeyValue: string;
      /** @description The local row; null when absent there. */
      localData: unknown;
      /** @description The cloud row; null when absent there. */
      cloudData: unknown;
      /** @description insert_insert, update_update, update_delete or delete_update. */
      conflictType: string;
      /** @description ISO 8601 timestamp (UTC). */
      detectedAt: string;
      resolved: boolean;
      resolutionStrategy: string | null;
      /** @description ISO 8601 timestamp (UTC). */
      resolvedAt: string | null;
      resolvedData: unknown;
      resolvedBy: string | null;
      /** @description `local` or `cloud` (that side’s row was kept), `merged` (edited data); null while unresolved. */
      resolutionSide: string | null;
      /** @description For edited data (`merged`): which columns were given and which were filled; else null. */
      resolutionColumns: components['schemas']['ResolutionColumns'] | null;
      sourcePosition: string | null;
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
