import { z } from 'zod';
import type { ApiInstance } from './api-context.js';
import { errorResponses, streamHeadersSchema } from './schemas.js';
import type { SseHub } from './sse-hub.js';
import { SyncError } from '../errors/index.js';

const streamDescription = [
  'Server-Sent Events: the public events of the service as they happen (see docs/api.md "Event stream").',
  'Each event is `id: <n>`, `event: <type>` (status, lag, conflict-detected, conflict-resolved, progress, run, reset)',
  'and `data: <JSON>`. Send `Last-Event-ID` to replay what was missed; `: heartbeat` comments come every 15 s.',
  'Authenticate with the Authorization header (a token in the URL is never accepted).',
].join(' ');

/** `GET /sync/stream`: hands the connection to the hub, which owns it until it closes. */
export function registerStreamRoute(api: ApiInstance, hub: SseHub): void {
  api.get(
    '/sync/stream',
    {
      config: { access: 'read' },
      exposeHeadRoute: false,
      schema: {
        summary: 'Stream sync events (Server-Sent Events)',
        description: streamDescription,
        tags: ['sync'],
        headers: streamHeadersSchema,
        response: {
          200: {
            description: 'An endless text/event-stream.',
            content: { 'text/event-stream': { schema: z.string() } },
          },
          ...errorResponses(400, 401, 429, 500, 503),
        },
      },
    },
    (request, reply) => {
      if (hub.closed) throw new SyncError('SERVICE_STOPPING', 'the service is shutting down');
      const lastEventId = request.headers['last-event-id'];
      reply.hijack();
      const response = reply.raw;
      // Headers set by the hooks (x-request-id, CORS) live on the reply and are not sent by a hijacked one.
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) response.setHeader(name, value);
      }
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });
      request.raw.socket.setNoDelay(true);
      request.raw.socket.setKeepAlive(true);
      request.log.info({ lastEventId }, 'event-stream client connected');
      response.once('close', () => request.log.info('event-stream client disconnected'));
      hub.attach(response, lastEventId);
    },
  );
}
