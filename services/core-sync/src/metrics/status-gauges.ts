/**
 * Gauges read from the live service status when Prometheus scrapes. Each gauge is cleared and refilled on
 * every scrape, so a direction or table that is gone leaves no stale series; a value that is unknown (no lag
 * measured yet, no position yet) is left out rather than reported as 0.
 */
import { Gauge, type Registry } from 'prom-client';
import type { DirectionName, LagSampleEvent } from '../events/index.js';
import type { Logger } from '../logging/index.js';
import { BinlogPosition } from '../model/index.js';
import { directionStates, tableStates, type TableLabels } from './label-values.js';
import type { NamedDirectionStatus, StatusReader } from './status-reader.js';
import type { TableState } from '../status/index.js';

type DirectionGaugeFill<Label extends string> = (gauge: Gauge<Label>, named: NamedDirectionStatus) => void;

/** Which binlog position a position gauge shows. */
type PositionStage = 'read' | 'applied';

export class StatusGauges {
  readonly #registry: Registry;
  readonly #statusReader: StatusReader;
  readonly #tables: TableLabels;
  readonly #logger: Logger;
  /** The apply lag of each direction's last `lag` sample. */
  readonly #applyLagMs = new Map<DirectionName, number | null>();
  /** The last position text that could not be parsed, per direction and stage (warned about once). */
  readonly #unparsedPositions = new Map<string, string>();

  constructor(registry: Registry, statusReader: StatusReader, tables: TableLabels, logger: Logger) {
    this.#registry = registry;
    this.#statusReader = statusReader;
    this.#tables = tables;
    this.#logger = logger;
    this.#defineStreamGauges();
    this.#defineQueueGauges();
    this.#definePositionGauges();
    this.#defineStateGauges();
  }

  recordLagSample(event: LagSampleEvent): void {
    this.#applyLagMs.set(event.direction, event.lagMs);
  }

  #defineStreamGauges(): void {
    this.#directionGauge(
      'mysql_sync_replication_lag_seconds',
      'How far the binlog reader is behind the source database: now minus the source timestamp of the last binlog event read, 0 when caught up; while an XA transaction is prepared on the source and undecided, at least its age (its changes are held). Absent until the first event is read.',
      [],
      (gauge, { direction, status }) => {
        const lagMs = status.stream?.lagMs ?? null;
        if (lagMs !== null && Number.isFinite(lagMs)) gauge.set({ direction }, Math.max(0, lagMs) / 1_000);
      },
    );
    this.#directionGauge(
      'mysql_sync_apply_lag_seconds',
      'Source commit to target commit of the last transaction applied, from the once-a-second sample. Present only while the direction streams and after something was applied.',
      [],
      (gauge, { direction, status }) => {
        const lagMs = this.#applyLagMs.get(direction) ?? null;
        if (status.state !== 'streaming' || lagMs === null || !Number.isFinite(lagMs)) return;
        gauge.set({ direction }, Math.max(0, lagMs) / 1_000);
      },
    );
    this.#directionGauge(
      'mysql_sync_xa_prepared_transactions',
      'XA transactions prepared on the source and not yet committed or rolled back: their changes are held in memory, and a restart reads the binlog from before the oldest. Absent before streaming starts.',
      [],
      (gauge, { direction, status }) => {
        if (status.stream !== null) gauge.set({ direction }, status.stream.preparedXa.count);
      },
    );
    this.#directionGauge(
      'mysql_sync_xa_prepared_age_seconds',
      'How long the oldest XA transaction prepared on the source has waited for its XA COMMIT or XA ROLLBACK. Absent while none waits.',
      [],
      (gauge, { direction, status }) => {
        const ageMs = status.stream?.preparedXa.oldestAgeMs ?? null;
        if (ageMs !== null) gauge.set({ direction }, ageMs / 1_000);
      },
    );
    this.#directionGauge(
      'mysql_sync_stream_up',
      'Whether the binlog stream from the source database is connected and streaming (1) or not (0: starting, reconnecting, stopped or failed).',
      [],
      (gauge, { direction, status }) =>
        gauge.set({ direction }, status.stream?.state === 'streaming' ? 1 : 0),
    );
    this.#directionGauge(
      'mysql_sync_stream_reconnect_attempts',
      'Reconnect attempts of the binlog stream since it last made progress; 0 while healthy.',
      [],
      (gauge, { direction, status }) => gauge.set({ direction }, status.stream?.reconnectAttempt ?? 0),
    );
  }

  #defineQueueGauges(): void {
    this.#directionGauge(
      'mysql_sync_queue_depth',
      'Row changes read from the binlog and waiting to be applied to the target.',
      [],
      (gauge, { direction, status }) => gauge.set({ direction }, status.queueDepth),
    );
    this.#directionGauge(
      'mysql_sync_queue_capacity',
      'Row changes the apply queue holds before the binlog reader is paused (backpressure). Absent before streaming starts.',
      [],
      (gauge, { direction, status }) => {
        if (status.backpressure !== null) gauge.set({ direction }, status.backpressure.queueCapacity);
      },
    );
    this.#directionGauge(
      'mysql_sync_source_paused',
      'Whether reading the source binlog is paused because the apply queue is full (1) or not (0): the target cannot keep up.',
      [],
      (gauge, { direction, status }) => gauge.set({ direction }, status.backpressure?.sourcePaused ? 1 : 0),
    );
  }

  #definePositionGauges(): void {
    const positionOf = (named: NamedDirectionStatus, stage: PositionStage): BinlogPosition | null =>
      this.#parsePosition(
        named.direction,
        stage,
        stage === 'read' ? (named.status.stream?.position ?? null) : named.status.watermark,
      );
    const fillPosition =
      (value: (position: BinlogPosition) => number): DirectionGaugeFill<'direction' | 'stage'> =>
      (gauge, named) => {
        for (const stage of ['read', 'applied'] as const) {
          const position = positionOf(named, stage);
          if (position !== null) gauge.set({ direction: named.direction, stage }, value(position));
        }
      };
    this.#directionGauge(
      'mysql_sync_binlog_file_sequence',
      'Number of the source binlog file (binlog.000042 is 42): stage "read" is the last transaction the reader handed on, stage "applied" the last one committed on the target (where a restart resumes).',
      ['stage'],
      fillPosition((position) => position.fileSequence),
    );
    this.#directionGauge(
      'mysql_sync_binlog_offset_bytes',
      'Byte offset in the source binlog file named by mysql_sync_binlog_file_sequence, by the same stage; restarts from a small value when the server rotates to a new file.',
      ['stage'],
      fillPosition((position) => position.offset),
    );
  }

  #defineStateGauges(): void {
    this.#directionGauge(
      'mysql_sync_direction_state',
      'The sync direction lifecycle state: 1 for the current state, 0 for the others (starting, snapshotting, streaming, idle, stopping, stopped, failed).',
      ['state'],
      (gauge, { direction, status }) => {
        for (const state of directionStates) gauge.set({ direction, state }, state === status.state ? 1 : 0);
      },
    );
    this.#directionGauge(
      'mysql_sync_tables',
      'Synced tables per state (pending, snapshotting, streaming, synced, paused) and direction.',
      ['state'],
      (gauge, { direction, status }) => {
        const counts = new Map<TableState, number>(tableStates.map((state) => [state, 0]));
        for (const table of status.tables) counts.set(table.state, (counts.get(table.state) ?? 0) + 1);
        for (const [state, count] of counts) gauge.set({ direction, state }, count);
      },
    );
    this.#directionGauge(
      'mysql_sync_table_paused',
      'Whether applying a table is paused (1) after the target refused a row or its schema changed, or not (0). A paused table gets no changes until resolved.',
      ['table'],
      (gauge, { direction, status }) => {
        for (const table of status.tables) {
          gauge.set({ direction, table: this.#tables.label(table.table) }, table.pause === null ? 0 : 1);
        }
      },
    );
  }

  /** A gauge with a `direction` label (and `extraLabels`), refilled from each direction's status per scrape. */
  #directionGauge<Extra extends string>(
    name: string,
    help: string,
    extraLabels: readonly Extra[],
    fill: DirectionGaugeFill<'direction' | Extra>,
  ): void {
    const statusReader = this.#statusReader;
    new Gauge<'direction' | Extra>({
      name,
      help,
      labelNames: ['direction', ...extraLabels],
      registers: [this.#registry],
      collect(this: Gauge<'direction' | Extra>): void {
        this.reset();
        for (const named of statusReader.directions()) fill(this, named);
      },
    });
  }

  #parsePosition(direction: DirectionName, stage: PositionStage, text: string | null): BinlogPosition | null {
    if (text === null) return null;
    const key = `${direction}/${stage}`;
    try {
      const position = BinlogPosition.parse(text);
      this.#unparsedPositions.delete(key);
      return position;
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      // Handled: the series is left out of this scrape; the text is logged once, not at every scrape.
      if (this.#unparsedPositions.get(key) !== text) {
        this.#unparsedPositions.set(key, text);
        this.#logger.warn(
          { error: error, direction, stage, binlogPosition: text },
          'binlog position in the status is not readable; its metrics are left out',
        );
      }
      return null;
    }
  }
}
