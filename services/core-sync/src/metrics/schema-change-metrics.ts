/**
 * Schema changes (DDL) of synced tables read from the sources: how each ended, by direction, table and outcome,
 * and how many wait or run on a target now.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SchemaChangeStepEvent } from '../events/index.js';
import type { SchemaChangeState } from '../status/index.js';
import type { TableLabels } from './label-values.js';
import type { StatusReader } from './status-reader.js';

/** The states a schema change ends in (the others are on its way: waiting, applying). */
const outcomes: ReadonlySet<SchemaChangeState> = new Set<SchemaChangeState>([
  'applied',
  'found-applied',
  'echo',
  'followed',
  'paused',
]);

export class SchemaChangeMetrics {
  readonly #tables: TableLabels;
  readonly #changes: Counter<'direction' | 'table' | 'outcome'>;

  constructor(registry: Registry, tables: TableLabels, statusReader: StatusReader) {
    this.#tables = tables;
    const registers = [registry];
    this.#changes = new Counter({
      name: 'mysql_sync_schema_changes_total',
      help: "Schema changes (DDL) of synced tables read from a source, by sync direction, table and outcome: applied (run on the target), found-applied (the target had it already), echo (the service's own, run for the other direction), followed (sync.ddl: pause, the target had the same columns), paused (not carried over: the table is paused).",
      labelNames: ['direction', 'table', 'outcome'],
      registers,
    });
    new Gauge({
      name: 'mysql_sync_schema_changes_pending',
      help: 'Schema changes waiting for the changes before them to be applied, or running on the target now, by sync direction.',
      labelNames: ['direction'],
      registers,
      collect() {
        for (const { direction, status } of statusReader.directions()) {
          const pending = status.schemaChanges.filter(
            (change) => change.state === 'waiting' || change.state === 'applying',
          ).length;
          this.set({ direction }, pending);
        }
      },
    });
  }

  record(event: SchemaChangeStepEvent): void {
    if (!outcomes.has(event.change.state)) return;
    this.#changes.inc({
      direction: event.direction,
      table: this.#tables.label(event.change.table),
      outcome: event.change.state,
    });
  }
}
