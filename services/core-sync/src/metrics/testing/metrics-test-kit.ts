/**
 * Builders for the metrics tests: a real event bus, realistic statuses and run progress, a logger whose lines
 * the test reads back, and a scrape that parses `render()`. No test-framework imports.
 */
import { pino } from 'pino';
import { ServiceEvents } from '../../events/index.js';
import { createServiceMetrics, type ServiceMetrics } from '../service-metrics.js';
import { parseExposition, type Exposition } from './exposition.js';
import {
  type DirectionStatus,
  type RunProgress,
  type ServiceStatus,
  noPreparedXaView,
} from '../../status/index.js';

export const configuredTables: readonly string[] = ['customers', 'orders'];

/** A direction that streams, caught up, with both tables streaming; `overrides` replace whole fields. */
export function directionStatus(overrides: Partial<DirectionStatus> = {}): DirectionStatus {
  return {
    source: 'local',
    target: 'cloud',
    state: 'streaming',
    error: null,
    stream: {
      state: 'streaming',
      position: 'binlog.000003:1234',
      lagMs: 0,
      preparedXa: noPreparedXaView,
      reconnectAttempt: 0,
      lastError: null,
    },
    watermark: 'binlog.000003:1000',
    queueDepth: 0,
    backpressure: { queueCapacity: 10_000, sourcePaused: false, pauseCount: 0, peakQueueDepth: 0 },
    rowsApplied: 0,
    applyFailure: null,
    schemaChanges: [],
    tables: configuredTables.map((table) => ({
      table,
      state: 'streaming',
      rowsApplied: 0,
      rowsCopied: 120,
      pause: null,
    })),
    ...overrides,
  };
}

export function reverseDirectionStatus(overrides: Partial<DirectionStatus> = {}): DirectionStatus {
  return directionStatus({ source: 'cloud', target: 'local', ...overrides });
}

/** A run that started at 10:00:00 and is running, nothing compared yet. */
export function runProgress(overrides: Partial<RunProgress> = {}): RunProgress {
  return {
    runId: 'run-1',
    kind: 'manual',
    dryRun: false,
    state: 'running',
    direction: 'local_to_cloud',
    startedAt: '2025-03-01T10:00:00.000Z',
    finishedAt: null,
    tables: [],
    pendingChanges: null,
    rowsTotal: 5_000,
    rowsCompared: 0,
    rowsChanged: 0,
    conflicts: 0,
    percent: 0,
    rowsPerSecond: 0,
    etaSeconds: null,
    error: null,
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    ...overrides,
  };
}

export interface MetricsHarness {
  readonly events: ServiceEvents;
  readonly metrics: ServiceMetrics;
  /** The status the metrics read; assign to change it. */
  status: ServiceStatus;
  /** How often the metrics called the status function. */
  readonly statusReads: number;
  /** Parsed JSON log lines the metrics wrote. */
  readonly logLines: readonly Record<string, unknown>[];
  scrape(): Promise<Exposition>;
}

export interface HarnessOptions {
  readonly status?: ServiceStatus;
  readonly tables?: readonly string[];
  readonly processMetrics?: boolean;
}

/** Metrics on a fresh bus; a listener that throws makes `publish` throw, so a test sees it. */
export function createHarness(options: HarnessOptions = {}): MetricsHarness {
  const events = new ServiceEvents((error) => {
    throw error;
  });
  const logLines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const tables = options.tables ?? configuredTables;
  let statusReads = 0;
  const harness: MetricsHarness = {
    events,
    status: options.status ?? { mode: 'local_to_cloud', directions: [directionStatus()] },
    get statusReads() {
      return statusReads;
    },
    logLines,
    metrics: createServiceMetrics({
      events,
      logger,
      tables: () => tables,
      processMetrics: options.processMetrics ?? false,
      status: () => {
        statusReads += 1;
        return harness.status;
      },
    }),
    scrape: async () => parseExposition(await harness.metrics.render()),
  };
  return harness;
}
