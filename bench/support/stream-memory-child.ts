/**
 * The service side of bench/sse-memory.bench.ts: core-sync's HTTP API alone, built by `buildApp` over the
 * in-memory engine the API's own tests use (`api/testing/api-test-kit.ts`), listening on 127.0.0.1 — so its
 * memory is the API's and the event stream's, nothing else's. The event bus is fed at a steady rate with the
 * public events a busy bidirectional pair publishes (conflicts, full-sync progress, lag samples). Driven over
 * IPC (`stream-memory-protocol.ts`): start, one memory sample a second, stop with a report.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { buildTestApi, runProgress } from '../../services/core-sync/src/api/testing/api-test-kit.js';
import type { ServiceEvent } from '../../services/core-sync/src/events/index.js';
import { createLogger } from '../../services/core-sync/src/logging/index.js';
import { limitHeapGrowth } from '../../services/core-sync/src/runtime/index.js';
import type {
  MemorySample,
  StreamLoad,
  StreamMemoryChildMessage,
  StreamMemoryParentMessage,
  StreamMemoryStart,
} from './stream-memory-protocol.js';
import type { RunProgress } from '../../services/core-sync/src/status/index.js';

// As main.ts does before anything else.
limitHeapGrowth();

const adminToken = 'bench-admin-token-0123456789';
const refused: Record<string, number> = {};
const dropped: Record<string, number> = {};
const bufferedBytesAtDrop: number[] = [];
let clients = 0;
let publishedEvents = 0;
let publishedBytes = 0;
let startedAt = 0;
let api: ReturnType<typeof buildTestApi> | undefined;
let publishTimer: NodeJS.Timeout | undefined;
let sampleTimer: NodeJS.Timeout | undefined;

function send(message: StreamMemoryChildMessage): void {
  process.send?.(message);
}

/** The hub's warnings about dropped clients, read for how much each held when it was cut off. */
const logSink = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    for (const line of chunk.toString().split('\n')) {
      if (!line.includes('dropped an event-stream client')) continue;
      const record = JSON.parse(line) as { bufferedBytes?: number };
      if (typeof record.bufferedBytes === 'number') bufferedBytesAtDrop.push(record.bufferedBytes);
    }
    callback();
  },
});

function readOnlyTokensOf(count: number): string[] {
  return Array.from(
    { length: count },
    (_unused, index) => `bench-read-token-${String(index).padStart(4, '0')}`,
  );
}

/** Ten keys, as a run's progress shows its sample keys. */
const sampleKeys = Array.from({ length: 10 }, (_unused, index) => JSON.stringify({ id: 100_000 + index }));

/** One tick's events: the load's rates times the tick, fractions carried to the next tick. */
class EventSource {
  readonly #load: StreamLoad;
  readonly #tickMs: number;
  readonly #carried = { conflicts: 0, progress: 0, lag: 0 };
  readonly #progressTables: RunProgress['tables'];
  #lagDirection: 'local_to_cloud' | 'cloud_to_local' = 'local_to_cloud';
  #percent = 0;

  constructor(load: StreamLoad, tickMs: number) {
    this.#load = load;
    this.#tickMs = tickMs;
    this.#progressTables = Array.from({ length: load.progressTables }, (_unused, index) => ({
      table: `table_${String(index).padStart(2, '0')}`,
      state: 'comparing' as const,
      chunksTotal: 1000,
      chunksCompared: 500,
      rowsTotal: 1_000_000,
      rowsCompared: 500_000,
      rowsChanged: 1200,
      conflicts: 35,
      // A run's tally as it shows while repairing: counts, and the sample keys of the kind it met.
      changes: {
        copied: { local: 400, cloud: 400 },
        deleted: { local: 0, cloud: 0 },
        changed: { local: 365, cloud: 0 },
        conflicts: 35,
        undecided: 0,
        sampleKeys: {
          copied: sampleKeys,
          deleted: [],
          changed: sampleKeys,
          conflicts: sampleKeys,
          undecided: [],
        },
      },
      error: null,
    }));
  }

  #take(kind: 'conflicts' | 'progress' | 'lag', perSecond: number): number {
    const due = this.#carried[kind] + (perSecond * this.#tickMs) / 1000;
    const count = Math.floor(due);
    this.#carried[kind] = due - count;
    return count;
  }

  tick(): ServiceEvent[] {
    const events: ServiceEvent[] = [];
    for (let index = this.#take('lag', this.#load.lagPerSecond); index > 0; index -= 1) {
      this.#lagDirection = this.#lagDirection === 'local_to_cloud' ? 'cloud_to_local' : 'local_to_cloud';
      events.push({
        type: 'lag',
        direction: this.#lagDirection,
        lagMs: 180,
        queueDepth: 420,
        rowsPerSecond: 2350,
        position: 'binlog.000042:123456789',
      });
    }
    for (let index = this.#take('progress', this.#load.progressPerSecond); index > 0; index -= 1) {
      this.#percent = (this.#percent + 0.1) % 100;
      events.push({
        type: 'progress',
        progress: runProgress({
          tables: this.#progressTables,
          percent: this.#percent,
          rowsPerSecond: 52_000,
        }),
      });
    }
    for (let index = this.#take('conflicts', this.#load.conflictsPerSecond); index > 0; index -= 1) {
      events.push({
        type: 'conflict-detected',
        id: randomUUID(),
        table: 'orders',
        conflictType: 'update_update',
        strategy: 'last_write_wins',
        winner: 'local',
      });
    }
    return events;
  }
}

function sample(): MemorySample {
  const usage = process.memoryUsage();
  return {
    elapsedMs: Math.round(performance.now() - startedAt),
    rssBytes: usage.rss,
    heapUsedBytes: usage.heapUsed,
    heapTotalBytes: usage.heapTotal,
    externalBytes: usage.external,
    clients,
    publishedEvents,
  };
}

async function start(request: StreamMemoryStart): Promise<void> {
  const readOnlyTokens = readOnlyTokensOf(request.readOnlyTokenCount);
  api = buildTestApi({
    logger: createLogger({ level: 'warn', format: 'json', destination: logSink }),
    server: {
      authToken: adminToken,
      readOnlyTokens,
      corsOrigins: [],
      eventStreamMaxClients: request.maxClients,
      eventStreamMaxClientsPerToken: request.maxClientsPerToken,
    },
    ...(request.stallTimeoutMs === undefined ? {} : { sseStallTimeoutMs: request.stallTimeoutMs }),
    metrics: {
      contentType: 'text/plain',
      render: () => Promise.resolve(''),
      streamClients: {
        connected: (count) => {
          clients = count;
        },
        refused: (cap) => {
          refused[cap] = (refused[cap] ?? 0) + 1;
        },
        dropped: (reason) => {
          dropped[reason] = (dropped[reason] ?? 0) + 1;
        },
      },
    },
  });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  startedAt = performance.now();
  const source = new EventSource(request.load, request.tickMs);
  const events = api.events;
  publishTimer = setInterval(() => {
    for (const event of source.tick()) {
      events.publish(event);
      publishedEvents += 1;
      // The frame's size as the hub writes it: id, event and data lines (ids have 16 digits).
      publishedBytes += JSON.stringify(event).length + event.type.length + 36;
    }
  }, request.tickMs);
  sampleTimer = setInterval(() => send({ kind: 'sample', ...sample() }), request.sampleIntervalMs);
  const address = api.app.server.address() as AddressInfo;
  send({ kind: 'listening', port: address.port, adminToken, readOnlyTokens });
}

async function stop(): Promise<void> {
  clearInterval(publishTimer);
  clearInterval(sampleTimer);
  const elapsedMs = Math.round(performance.now() - startedAt);
  await api?.app.close();
  send({
    kind: 'stopped',
    publishedEvents,
    publishedBytes,
    elapsedMs,
    refused,
    dropped,
    bufferedBytesAtDrop,
    maxRssKib: process.resourceUsage().maxRSS,
  });
  process.disconnect?.();
}

process.on('message', (message: StreamMemoryParentMessage) => {
  const work = message.kind === 'start' ? start(message) : stop();
  work.catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
send({ kind: 'ready' });
