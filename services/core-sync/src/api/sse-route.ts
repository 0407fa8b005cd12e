import { z } from 'zod';
import type { ApiInstance } from './api-context.js';
import type { ApiAuthenticator } from './auth.js';
import { errorResponses, streamHeadersSchema } from './schemas.js';
import type { SseHub } from './sse-hub.js';

const streamDescription = [
  'Server-Sent Events: the public events of the service as they happen (see docs/api.md "Event stream").',
  'Each event is `id: <n>`, `event: <type>` (status, lag, conflict-detected, conflict-resolved, progress, run, schema-change, reset)',
  'and `data: <JSON>`. Send `Last-Event-ID` to replay what was missed; `: heartbeat` comments come every 15 s.',
  'Authenticate with the Authorization header (a token in the URL is never accepted).',
  'Streams are capped in all (server.event_stream_max_clients) and per token',
  '(server.event_stream_max_clients_per_token): over a cap the answer is 429 TOO_MANY_STREAMS with Retry-After.',
].join(' ');

/**
 * `GET /sync/stream`: takes a slot of the caller's (or refuses with 429 in the error shape, before anything is
 * streamed), then hands the connection to the hub, which owns it and the slot until it closes.
 */
export function registerStreamRoute(api: ApiInstance, hub: SseHub, auth: ApiAuthenticator): void {
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
      const lastEventId = request.headers['last-event-id'];
      const slot = hub.admit(auth.callerOf(request).label);
      try {
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
        request.log.info({ lastEventId, callerLabel: slot.callerLabel }, 'event-stream client connected');
        // A token removed while its stream is open ends the stream: the reconnect is then refused (401).
        const stopWatching = auth.watchAccess(request, () => {
          request.log.info({ callerLabel: slot.callerLabel }, 'event stream ended: its token was revoked');
          response.end();
        });
        response.once('close', () => {
          stopWatching();
          request.log.info('event-stream client disconnected');
        });
        // A client gone before the listener above was added closed without it: stop watching at once.
        if (response.destroyed || request.raw.socket.destroyed) stopWatching();
        hub.attach(slot, response, lastEventId);
      } catch (error) {
        // Hijacked: fastify can no longer answer, so the error is logged and the connection closed.
        slot.release();
        request.log.error({ error: error }, 'could not open the event stream');
        reply.raw.destroy();
      }
    },
  );
}
