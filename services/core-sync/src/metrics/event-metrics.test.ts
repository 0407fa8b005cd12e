import { describe, expect, it } from 'vitest';
import { errorCodes } from '../errors/index.js';
import type { BatchAppliedEvent } from '../events/index.js';
import { seriesOf } from './testing/exposition.js';
import { createHarness, directionStatus, reverseDirectionStatus } from './testing/metrics-test-kit.js';

function batch(
  direction: BatchAppliedEvent['direction'],
  rowCountByTable: Record<string, number>,
  durationMs: number,
): BatchAppliedEvent {
  const rowCount = Object.values(rowCountByTable).reduce((total, count) => total + count, 0);
  return { type: 'batch', direction, rowCountByTable, rowCount, durationMs };
}

const bidirectional = {
  mode: 'bidirectional' as const,
  directions: [directionStatus(), reverseDirectionStatus()],
};

describe('applied rows and batches', () => {
  it('sums rows per table and direction and counts batches per direction', async () => {
    const harness = createHarness({ status: bidirectional });
    harness.events.publish(batch('local_to_cloud', { customers: 3, orders: 10 }, 4));
    harness.events.publish(batch('local_to_cloud', { orders: 5 }, 2));
    harness.events.publish(batch('cloud_to_local', { customers: 1 }, 1));
    harness.events.publish(batch('local_to_cloud', { audit_log: 7 }, 1));

    const scrape = await harness.scrape();
    expect(seriesOf(scrape, 'mysql_sync_rows_applied_total')).toEqual({
      'direction=local_to_cloud,table=customers': 3,
      'direction=local_to_cloud,table=orders': 15,
      // Not configured: counted, under a label that cannot multiply series.
      'direction=local_to_cloud,table=(other)': 7,
      'direction=cloud_to_local,table=customers': 1,
      // Configured and running, nothing applied yet: present at 0 so rate() sees the first rows.
      'direction=cloud_to_local,table=orders': 0,
    });
    expect(seriesOf(scrape, 'mysql_sync_batches_total')).toEqual({
      'direction=local_to_cloud': 3,
      'direction=cloud_to_local': 1,
    });
  });

  it('puts batch durations in millisecond-to-second buckets', async () => {
    const harness = createHarness();
    for (const durationMs of [0.5, 3, 40, 40, 12_000]) {
      harness.events.publish(batch('local_to_cloud', { orders: 1 }, durationMs));
    }

    const scrape = await harness.scrape();
    const direction = { direction: 'local_to_cloud' };
    expect(seriesOf(scrape, 'mysql_sync_batch_duration_seconds_bucket', direction)).toEqual({
      'direction=local_to_cloud,le=0.001': 1,
      'direction=local_to_cloud,le=0.0025': 1,
      'direction=local_to_cloud,le=0.005': 2,
      'direction=local_to_cloud,le=0.01': 2,
      'direction=local_to_cloud,le=0.025': 2,
      'direction=local_to_cloud,le=0.05': 4,
      'direction=local_to_cloud,le=0.1': 4,
      'direction=local_to_cloud,le=0.25': 4,
      'direction=local_to_cloud,le=0.5': 4,
      'direction=local_to_cloud,le=1': 4,
      'direction=local_to_cloud,le=2.5': 4,
      'direction=local_to_cloud,le=5': 4,
      'direction=local_to_cloud,le=10': 4,
      'direction=local_to_cloud,le=+Inf': 5,
    });
    expect(seriesOf(scrape, 'mysql_sync_batch_duration_seconds_count')).toEqual({
      'direction=local_to_cloud': 5,
    });
    const [sum] = Object.values(seriesOf(scrape, 'mysql_sync_batch_duration_seconds_sum'));
    expect(sum).toBeCloseTo(12.0835, 6);
  });

  it('creates the histogram of a running direction at 0 and does not zero it again after observations', async () => {
    const harness = createHarness();
    const before = await harness.scrape();
    expect(seriesOf(before, 'mysql_sync_batch_duration_seconds_count')).toEqual({
      'direction=local_to_cloud': 0,
    });

    harness.events.publish(batch('local_to_cloud', { orders: 2 }, 5));
    await harness.scrape();
    const after = await harness.scrape();
    expect(seriesOf(after, 'mysql_sync_batch_duration_seconds_count')).toEqual({
      'direction=local_to_cloud': 1,
    });
  });
});

describe('conflicts', () => {
  it('counts detected conflicts by table, type and outcome, and resolutions by chosen version', async () => {
    const harness = createHarness();
    const detected = (table: string, winner: 'local' | 'cloud' | null, id: string): void =>
      harness.events.publish({
        type: 'conflict-detected',
        id,
        table,
        conflictType: 'update_update',
        strategy: winner === null ? 'manual' : 'last_write_wins',
        winner,
      });
    detected('orders', 'local', 'c1');
    detected('orders', 'local', 'c2');
    detected('orders', 'cloud', 'c3');
    detected('customers', null, 'c4');
    detected('customers', null, 'c5');
    harness.events.publish({
      type: 'conflict-detected',
      id: 'c6',
      table: 'orders',
      conflictType: 'update_delete',
      strategy: 'source_priority',
      winner: 'cloud',
    });
    harness.events.publish({
      type: 'conflict-resolved',
      id: 'c4',
      table: 'customers',
      resolvedBy: 'dba@example.com',
      resolution: 'merged',
    });

    const scrape = await harness.scrape();
    const nonZero = (series: Record<string, number>): Record<string, number> =>
      Object.fromEntries(Object.entries(series).filter(([, value]) => value !== 0));
    expect(nonZero(seriesOf(scrape, 'mysql_sync_conflicts_total'))).toEqual({
      'resolution=local,table=orders,type=update_update': 2,
      'resolution=cloud,table=orders,type=update_update': 1,
      'resolution=cloud,table=orders,type=update_delete': 1,
      'resolution=pending,table=customers,type=update_update': 2,
    });
    // Every configured table × type × outcome exists, at 0 until it happens.
    expect(Object.keys(seriesOf(scrape, 'mysql_sync_conflicts_total'))).toHaveLength(2 * 5 * 3);
    expect(seriesOf(scrape, 'mysql_sync_conflicts_resolved_total', { table: 'customers' })).toEqual({
      'resolution=local,table=customers': 0,
      'resolution=cloud,table=customers': 0,
      'resolution=merged,table=customers': 1,
    });
  });
});

describe('recordError', () => {
  it('counts known codes by code and anything else as OTHER, every code starting at 0', async () => {
    const harness = createHarness();
    harness.metrics.recordError('APPLY_FAILED');
    harness.metrics.recordError('APPLY_FAILED');
    harness.metrics.recordError('STATE_STORE_FAILED');
    harness.metrics.recordError('ER_LOCK_DEADLOCK');
    harness.metrics.recordError('connection to 10.0.0.5 refused');

    const series = seriesOf(await harness.scrape(), 'mysql_sync_errors_total');
    expect(Object.keys(series).sort()).toEqual(
      [...Object.keys(errorCodes), 'OTHER'].map((code) => `code=${code}`).sort(),
    );
    expect(Object.fromEntries(Object.entries(series).filter(([, value]) => value !== 0))).toEqual({
      'code=APPLY_FAILED': 2,
      'code=STATE_STORE_FAILED': 1,
      'code=OTHER': 2,
    });
  });
});
