/**
 * Runs core-sync's SyncService (what main.ts runs, without the HTTP API) in its own process for a benchmark,
 * so the service's memory (VmHWM) and CPU are measured apart from the load generator. Driven over IPC
 * (`service-protocol.ts`): start with a configuration document, report status, stop. With `composition` in the
 * start request the rest of main.ts's composition runs too (`service-composition.ts`: event bus, metrics, sync
 * manager, HTTP API), and `full-sync` messages run full syncs.
 */
import os from 'node:os';
import path from 'node:path';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import v8 from 'node:v8';
import { parseConfig } from '../../services/core-sync/src/config/index.js';
import { createLogger, type Logger } from '../../services/core-sync/src/logging/index.js';
import { limitHeapGrowth } from '../../services/core-sync/src/runtime/index.js';
import { openStateStore, type StateStore } from '../../services/core-sync/src/store/index.js';
import type { ServiceStatus } from '../../services/core-sync/src/status/index.js';
import { SyncService } from '../../services/core-sync/src/sync/index.js';
import type { ServiceComposition } from './service-composition.js';
import type { ChildMessage, FullSyncRequest, ParentMessage, StartRequest } from './service-protocol.js';

// As main.ts does before anything else.
limitHeapGrowth();

const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'mysql-sync-bench-service-'));
const batchDurationsMs: number[] = [];
const batchRowCounts: number[] = [];
const conflictCounts: Record<string, number> = {};
const conflictDecisionCounts: Record<string, number> = {};
const retryCounts: Record<string, number> = {};
let service: SyncService | undefined;
let store: StateStore | undefined;
let composition: ServiceComposition | undefined;
let startedAt = 0;
let statusTimer: NodeJS.Timeout | undefined;
let rowsTimer: NodeJS.Timeout | undefined;
let memoryTraceTimer: NodeJS.Timeout | undefined;

/**
 * With `BENCH_MEMORY_TRACE=<file>`, appends one JSON line a second: resident set, V8 heap (used and reserved, by
 * space), memory outside the heap (Buffers), and each direction's queue depth, to tell retained data from heap
 * slack when a run's peak is over its target.
 */
function startMemoryTrace(): void {
  const traceFile = process.env.BENCH_MEMORY_TRACE;
  if (traceFile === undefined || traceFile === '') return;
  const mebibytes = (bytes: number): number => Math.round((bytes / 1_048_576) * 10) / 10;
  memoryTraceTimer = setInterval(() => {
    const usage = process.memoryUsage();
    const spaces = Object.fromEntries(
      v8
        .getHeapSpaceStatistics()
        .map((space) => [
          space.space_name,
          { used: mebibytes(space.space_used_size), size: mebibytes(space.space_size) },
        ]),
    );
    const queues = service?.status.directions.map((direction) => ({
      source: direction.source,
      queueDepth: direction.queueDepth,
    }));
    const line = {
      elapsedMs: Math.round(performance.now() - startedAt),
      rss: mebibytes(usage.rss),
      heapTotal: mebibytes(usage.heapTotal),
      heapUsed: mebibytes(usage.heapUsed),
      external: mebibytes(usage.external),
      arrayBuffers: mebibytes(usage.arrayBuffers),
      spaces,
      queues,
    };
    appendFileSync(traceFile, `${JSON.stringify(line)}\n`);
  }, 1_000);
  memoryTraceTimer.unref();
}

/** Sends a message (BigInt values as text); resolves when it is handed to the channel. */
async function send(message: ChildMessage): Promise<void> {
  const plain = JSON.parse(
    JSON.stringify(message, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)),
  ) as ChildMessage;
  await new Promise<void>((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(plain, undefined, {}, () => resolve());
  });
}

function rowsApplied(status: ServiceStatus): number {
  return status.directions.reduce((total, direction) => total + direction.rowsApplied, 0);
}

/** Retried batches printed in full; the rest are only counted (a deadlock storm would flood the output). */
const printedRetries = 5;

/**
 * Counts a "batch failed, retrying" line by direction and error code; prints the first few. Other warnings and
 * errors are printed.
 */
function forwardWarning(line: string): void {
  if (line.includes('"batch failed, retrying"')) {
    const entry = JSON.parse(line) as { direction?: string; errorCode?: string };
    const key = `${entry.direction ?? 'unknown'} ${entry.errorCode ?? 'no code'}`;
    retryCounts[key] = (retryCounts[key] ?? 0) + 1;
    const total = Object.values(retryCounts).reduce((sum, count) => sum + count, 0);
    if (total > printedRetries) return;
  }
  process.stderr.write(line);
}

function createServiceLogger(request: StartRequest): Logger {
  const collectBatches = request.collectBatchDurations === true;
  return createLogger({
    level: collectBatches ? 'debug' : 'warn',
    format: 'json',
    destination: {
      write(line: string): void {
        if (collectBatches && line.includes('"applied batch"')) {
          const entry = JSON.parse(line) as { durationMs?: number; rowCount?: number };
          batchDurationsMs.push(entry.durationMs ?? Number.NaN);
          batchRowCounts.push(entry.rowCount ?? 0);
        } else if (/"level":"(warn|error|fatal)"/.test(line)) {
          forwardWarning(line);
        }
      },
    },
  });
}

async function start(request: StartRequest): Promise<void> {
  const document = {
    ...request.configDocument,
    state_storage: { type: 'sqlite', file_path: path.join(workDirectory, 'state.db') },
  };
  const config = parseConfig(document, 'benchmark');
  const logger = createServiceLogger(request);
  store = await openStateStore(config.stateStorage, { logger });
  // Loaded only when asked for, so the other benchmarks' child does not carry fastify and prom-client.
  const composing = request.composition === undefined ? undefined : await import('./service-composition.js');
  const events = composing?.createEventBus(logger);
  service = new SyncService({
    config,
    store,
    logger,
    ...(events === undefined ? {} : { events }),
    onConflict: (event) => {
      conflictCounts[event.type] = (conflictCounts[event.type] ?? 0) + 1;
      const decision = `${event.sourceSide} → ${event.sourceSide === 'local' ? 'cloud' : 'local'}, ${event.type}, ${event.winner === null ? 'stored for a person' : `${event.winner} won`}`;
      conflictDecisionCounts[decision] = (conflictDecisionCounts[decision] ?? 0) + 1;
    },
  });
  const runningService = service;
  let apiPort: number | undefined;
  if (composing !== undefined && events !== undefined && request.composition !== undefined) {
    // As main.ts: the manager and the API exist (and listen) before the service starts.
    const composed = await composing.ServiceComposition.create({
      config,
      configDocument: document,
      store,
      service: runningService,
      events,
      logger,
      apiToken: request.composition.apiToken,
      workDirectory,
    });
    composition = composed.composition;
    apiPort = composed.apiPort;
  }
  startedAt = performance.now();
  startMemoryTrace();
  if (request.statusIntervalMs > 0) {
    statusTimer = setInterval(() => {
      void send({ kind: 'status', elapsedMs: performance.now() - startedAt, status: runningService.status });
    }, request.statusIntervalMs);
  }
  const rowsAppliedTarget = request.rowsAppliedTarget;
  if (rowsAppliedTarget !== undefined) {
    rowsTimer = setInterval(() => {
      const applied = rowsApplied(runningService.status);
      if (applied >= rowsAppliedTarget) {
        clearInterval(rowsTimer);
        void send({
          kind: 'rows-applied-reached',
          elapsedMs: performance.now() - startedAt,
          rowsApplied: applied,
        });
      }
    }, 5);
  }
  try {
    await runningService.start();
  } catch (error) {
    await send({
      kind: 'failed',
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    return;
  }
  await send({
    kind: 'started',
    startDurationMs: performance.now() - startedAt,
    status: runningService.status,
    ...(apiPort === undefined ? {} : { apiPort }),
  });
}

async function runFullSync(request: FullSyncRequest): Promise<void> {
  if (composition === undefined) {
    await send({
      kind: 'full-sync-refused',
      message: 'full syncs need the start request to ask for the composition (SyncManager)',
    });
    return;
  }
  let finished: ChildMessage;
  try {
    finished = await composition.runFullSync(request.tables, request.runKind);
  } catch (error) {
    finished = {
      kind: 'full-sync-refused',
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
  await send(finished);
}

async function stop(): Promise<void> {
  clearInterval(statusTimer);
  clearInterval(rowsTimer);
  clearInterval(memoryTraceTimer);
  const stopStartedAt = performance.now();
  // main.ts's order: stop any full sync, then the service, then the API, then the store.
  await composition?.stopRuns();
  await service?.stop();
  await composition?.close();
  await store?.close();
  const stopDurationMs = performance.now() - stopStartedAt;
  rmSync(workDirectory, { recursive: true, force: true });
  await send({
    kind: 'stopped',
    stopDurationMs,
    maxRssKib: process.resourceUsage().maxRSS,
    batches: { durationsMs: batchDurationsMs, rowCounts: batchRowCounts },
    conflicts: conflictCounts,
    conflictDecisions: conflictDecisionCounts,
    retries: retryCounts,
  });
  process.disconnect?.();
}

process.on('message', (message: ParentMessage) => {
  switch (message.kind) {
    case 'start':
      void start(message);
      break;
    case 'full-sync':
      void runFullSync(message);
      break;
    case 'stop':
      void stop();
      break;
  }
});
process.on('disconnect', () => {
  // The benchmark went away: leave without a trace.
  rmSync(workDirectory, { recursive: true, force: true });
  process.exit(0);
});

void send({ kind: 'ready', rssKib: Math.round(process.memoryUsage().rss / 1024) });
