/** Messages between bench/sse-memory.bench.ts and the API child it runs (`stream-memory-child.ts`). */

export interface StreamLoad {
  /** `conflict-detected` events a second (a bidirectional pair under write load meets hundreds to thousands). */
  readonly conflictsPerSecond: number;
  /** `progress` events a second, each of a full sync over `progressTables` tables (the service sends up to 4). */
  readonly progressPerSecond: number;
  readonly progressTables: number;
  /** `lag` samples a second (one per direction and second in bidirectional mode: 2). */
  readonly lagPerSecond: number;
}

export interface StreamMemoryStart {
  readonly kind: 'start';
  /** server.event_stream_max_clients and …_per_token. */
  readonly maxClients: number;
  readonly maxClientsPerToken: number;
  /** Read-only tokens configured besides the admin token. */
  readonly readOnlyTokenCount: number;
  readonly load: StreamLoad;
  /** How long a backed-up client may take nothing (the service's default, 60 s, when absent). */
  readonly stallTimeoutMs?: number;
  /** Publish in ticks of this length (the events of a tick go out together, as bursts do). */
  readonly tickMs: number;
  readonly sampleIntervalMs: number;
}

export type StreamMemoryParentMessage = StreamMemoryStart | { readonly kind: 'stop' };

export interface MemorySample {
  readonly elapsedMs: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  /** Memory of C++ objects bound to JS ones, Buffers included (process.memoryUsage().external). */
  readonly externalBytes: number;
  /** Streams counted against the caps. */
  readonly clients: number;
  readonly publishedEvents: number;
}

export interface StreamMemoryReport {
  readonly publishedEvents: number;
  /** Bytes of the frames published (one client's share of the stream). */
  readonly publishedBytes: number;
  readonly elapsedMs: number;
  readonly refused: Readonly<Record<string, number>>;
  readonly dropped: Readonly<Record<string, number>>;
  /** Bytes unsent (the connection's writableLength) when each dropped client was cut off. */
  readonly bufferedBytesAtDrop: readonly number[];
  /** process.resourceUsage().maxRSS (KiB). */
  readonly maxRssKib: number;
}

export type StreamMemoryChildMessage =
  | { readonly kind: 'ready' }
  | {
      readonly kind: 'listening';
      readonly port: number;
      readonly adminToken: string;
      readonly readOnlyTokens: string[];
    }
  | ({ readonly kind: 'sample' } & MemorySample)
  | ({ readonly kind: 'stopped' } & StreamMemoryReport);
