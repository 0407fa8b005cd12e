/**
 * The clients of the API's event stream (`GET /api/v1/sync/stream`): how many are connected, how many were
 * refused by a cap, how many the service cut off. The API's hub reports each change as it happens (this class
 * has the shape of the API's `StreamClientObserver`, api/stream-admission.ts).
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** `global`: server.event_stream_max_clients; `per_token`: server.event_stream_max_clients_per_token. */
export const eventStreamCaps = ['global', 'per_token'] as const;
export type EventStreamCap = (typeof eventStreamCaps)[number];

/** `buffer_full`: 4 MiB unsent; `stalled`: took nothing for the stall timeout while data waited. */
export const eventStreamDropReasons = ['buffer_full', 'stalled'] as const;
export type EventStreamDropReason = (typeof eventStreamDropReasons)[number];

export class EventStreamMetrics {
  readonly #clients: Gauge;
  readonly #refused: Counter<'cap'>;
  readonly #dropped: Counter<'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#clients = new Gauge({
      name: 'mysql_sync_event_stream_clients',
      help: 'Clients connected to the API event stream (GET /api/v1/sync/stream), all tokens together.',
      registers,
    });
    this.#refused = new Counter({
      name: 'mysql_sync_event_stream_refused_total',
      help: 'Event-stream connections refused with 429 TOO_MANY_STREAMS, by the cap that was reached (global, per_token).',
      labelNames: ['cap'],
      registers,
    });
    this.#dropped = new Counter({
      name: 'mysql_sync_event_stream_dropped_total',
      help: 'Event-stream clients the service disconnected because they did not keep up: 4 MiB unsent (buffer_full) or nothing taken for the stall timeout (stalled).',
      labelNames: ['reason'],
      registers,
    });
    for (const cap of eventStreamCaps) this.#refused.inc({ cap }, 0);
    for (const reason of eventStreamDropReasons) this.#dropped.inc({ reason }, 0);
  }

  connected(count: number): void {
    this.#clients.set(count);
  }

  refused(cap: EventStreamCap): void {
    this.#refused.inc({ cap });
  }

  dropped(reason: EventStreamDropReason): void {
    this.#dropped.inc({ reason });
  }
}
