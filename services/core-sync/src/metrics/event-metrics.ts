/**
 * Counters fed by the event bus: applied rows and batches, conflicts, errors. Series whose labels are known in
 * advance (configured tables, running directions, error codes) are created at 0 when scraped, so `increase()`
 * and `rate()` see their first event.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type {
  BatchAppliedEvent,
  ConflictDetectedEvent,
  ConflictResolvedEvent,
  DirectionName,
  DirectionStatusEvent,
} from '../events/index.js';
import { ErrorTransitions } from './error-transitions.js';
import {
  conflictOutcomes,
  conflictTypeLabel,
  conflictTypeLabels,
  errorCodeLabel,
  errorCodeLabels,
  manualResolutionLabel,
  manualResolutions,
  type ConflictOutcome,
  type TableLabels,
} from './label-values.js';
import type { StatusReader } from './status-reader.js';

/** A batch is one target transaction: about a millisecond for a row or two, seconds for a large one. */
const batchDurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class EventMetrics {
  readonly #tables: TableLabels;
  readonly #statusReader: StatusReader;
  readonly #rowsApplied: Counter<'table' | 'direction'>;
  readonly #batches: Counter<'direction'>;
  readonly #batchDuration: Histogram<'direction'>;
  readonly #conflicts: Counter<'table' | 'type' | 'resolution'>;
  readonly #conflictsResolved: Counter<'table' | 'resolution'>;
  readonly #errors: Counter<'code'>;
  readonly #errorTransitions = new ErrorTransitions();
  /** Directions whose batch-duration histogram exists (zeroing it again would lose its observations). */
  readonly #histogramDirections = new Set<DirectionName>();

  constructor(registry: Registry, tables: TableLabels, statusReader: StatusReader) {
    this.#tables = tables;
    this.#statusReader = statusReader;
    const registers = [registry];
    this.#rowsApplied = new Counter({
      name: 'mysql_sync_rows_applied_total',
      help: 'Rows written to the target database by the binlog apply (inserts, updates and deletes), by table and sync direction.',
      labelNames: ['table', 'direction'],
      registers,
      collect: () => this.#zeroRowSeries(),
    });
    this.#batches = new Counter({
      name: 'mysql_sync_batches_total',
      help: 'Transactions committed on the target by the binlog apply, by sync direction.',
      labelNames: ['direction'],
      registers,
      collect: () => this.#zeroBatchSeries(),
    });
    this.#batchDuration = new Histogram({
      name: 'mysql_sync_batch_duration_seconds',
      help: 'Time to write and commit one apply transaction on the target, by sync direction.',
      labelNames: ['direction'],
      buckets: batchDurationBuckets,
      registers,
      collect: () => this.#zeroBatchDurationSeries(),
    });
    this.#conflicts = new Counter({
      name: 'mysql_sync_conflicts_total',
      help: 'Rows changed on both databases (conflicts) detected, by table, conflict type and outcome: the winning side (local, cloud) when the table strategy decided, pending when the conflict waits for a person.',
      labelNames: ['table', 'type', 'resolution'],
      registers,
      collect: () => this.#zeroConflictSeries(),
    });
    this.#conflictsResolved = new Counter({
      name: 'mysql_sync_conflicts_resolved_total',
      help: 'Pending conflicts resolved by a person through the API, by table and chosen version (local, cloud, merged).',
      labelNames: ['table', 'resolution'],
      registers,
      collect: () => this.#zeroResolvedSeries(),
    });
    this.#errors = new Counter({
      name: 'mysql_sync_errors_total',
      help: 'Errors by code (see docs/errors.md): binlog stream failures and reconnects, failed directions, and errors the service reports; codes not in the list count as OTHER.',
      labelNames: ['code'],
      registers,
    });
    for (const code of errorCodeLabels) this.#errors.inc({ code }, 0);
  }

  recordBatch(event: BatchAppliedEvent): void {
    const { direction } = event;
    for (const [table, rowCount] of Object.entries(event.rowCountByTable)) {
      if (rowCount > 0) this.#rowsApplied.inc({ table: this.#tables.label(table), direction }, rowCount);
    }
    this.#batches.inc({ direction });
    this.#histogramDirections.add(direction);
    this.#batchDuration.observe({ direction }, Math.max(0, event.durationMs) / 1_000);
  }

  recordConflictDetected(event: ConflictDetectedEvent): void {
    const resolution: ConflictOutcome = event.winner ?? 'pending';
    this.#conflicts.inc({
      table: this.#tables.label(event.table),
      type: conflictTypeLabel(event.conflictType),
      resolution,
    });
  }

  recordConflictResolved(event: ConflictResolvedEvent): void {
    this.#conflictsResolved.inc({
      table: this.#tables.label(event.table),
      resolution: manualResolutionLabel(event.resolution),
    });
  }

  recordStatus(event: DirectionStatusEvent): void {
    for (const code of this.#errorTransitions.newErrorCodes(event.direction, event.status)) {
      this.recordError(code);
    }
  }

  recordError(code: string): void {
    this.#errors.inc({ code: errorCodeLabel(code) });
  }

  #zeroRowSeries(): void {
    const configuredTables = this.#tables.configured;
    for (const { direction } of this.#statusReader.directions()) {
      for (const table of configuredTables) this.#rowsApplied.inc({ table, direction }, 0);
    }
  }

  #zeroBatchSeries(): void {
    for (const { direction } of this.#statusReader.directions()) this.#batches.inc({ direction }, 0);
  }

  #zeroBatchDurationSeries(): void {
    for (const { direction } of this.#statusReader.directions()) {
      if (this.#histogramDirections.has(direction)) continue;
      this.#histogramDirections.add(direction);
      this.#batchDuration.zero({ direction });
    }
  }

  #zeroConflictSeries(): void {
    for (const table of this.#tables.configured) {
      for (const type of conflictTypeLabels) {
        for (const resolution of conflictOutcomes) this.#conflicts.inc({ table, type, resolution }, 0);
      }
    }
  }

  #zeroResolvedSeries(): void {
    for (const table of this.#tables.configured) {
      for (const resolution of manualResolutions) this.#conflictsResolved.inc({ table, resolution }, 0);
    }
  }
}
