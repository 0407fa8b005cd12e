import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseExposition, seriesOf } from './testing/exposition.js';
import { createHarness } from './testing/metrics-test-kit.js';

describe('createServiceMetrics', () => {
  it('renders text every sample of which has HELP and TYPE, with the Node.js process metrics', async () => {
    const harness = createHarness({ processMetrics: true });
    harness.events.publish({
      type: 'batch',
      direction: 'local_to_cloud',
      rowCountByTable: { orders: 2 },
      rowCount: 2,
      durationMs: 3,
    });
    harness.metrics.recordError('APPLY_FAILED');
    const scrape = await harness.scrape();

    expect(scrape.problems).toEqual([]);
    expect(harness.metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const familyNames = [...scrape.families.keys()];
    expect(familyNames).toEqual(
      expect.arrayContaining(['process_cpu_user_seconds_total', 'nodejs_heap_size_total_bytes']),
    );
    const ownFamilies = familyNames.filter((name) => name.startsWith('mysql_sync_')).sort();
    expect(ownFamilies).toEqual([
      'mysql_sync_apply_lag_seconds',
      'mysql_sync_batch_duration_seconds',
      'mysql_sync_batches_total',
      'mysql_sync_binlog_file_sequence',
      'mysql_sync_binlog_offset_bytes',
      'mysql_sync_conflicts_resolved_total',
      'mysql_sync_conflicts_total',
      'mysql_sync_direction_state',
      'mysql_sync_errors_total',
      'mysql_sync_event_stream_clients',
      'mysql_sync_event_stream_dropped_total',
      'mysql_sync_event_stream_refused_total',
      'mysql_sync_full_sync_duration_seconds',
      'mysql_sync_full_sync_rows_changed_total',
      'mysql_sync_full_sync_rows_compared_total',
      'mysql_sync_full_sync_running',
      'mysql_sync_full_sync_runs_total',
      'mysql_sync_queue_capacity',
      'mysql_sync_queue_depth',
      'mysql_sync_replication_lag_seconds',
      'mysql_sync_rows_applied_total',
      'mysql_sync_schema_changes_pending',
      'mysql_sync_schema_changes_total',
      'mysql_sync_source_paused',
      'mysql_sync_stream_reconnect_attempts',
      'mysql_sync_stream_up',
      'mysql_sync_table_paused',
      'mysql_sync_tables',
      'mysql_sync_xa_prepared_age_seconds',
      'mysql_sync_xa_prepared_transactions',
    ]);
    // Units and kinds follow the conventions: counters end in _total, histograms of time in _seconds.
    for (const name of ownFamilies) {
      const type = scrape.families.get(name)?.type;
      expect([name, type === 'counter']).toEqual([name, name.endsWith('_total')]);
    }
  });

  it('the format check finds samples without HELP or TYPE, bad values and repeated series', () => {
    const problems = parseExposition(
      [
        '# HELP demo_total Something counted.',
        '# TYPE demo_total counter',
        'demo_total{table="orders"} 1',
        'demo_total{table="orders"} 2',
        'undocumented 3',
        'demo_ratio{side="local"} abc',
      ].join('\n'),
    ).problems;
    expect(problems).toEqual([
      'line 4: series demo_total[["table","orders"]] appears twice',
      'line 6: value abc is not a number',
      'undocumented has no HELP',
      'undocumented has no TYPE',
      'demo_ratio has no HELP',
      'demo_ratio has no TYPE',
    ]);
  });

  it('keeps two instances apart: own registries, own buses, nothing in the global registry', async () => {
    const first = createHarness({ processMetrics: true });
    const second = createHarness({ processMetrics: true });
    first.events.publish({
      type: 'batch',
      direction: 'local_to_cloud',
      rowCountByTable: { customers: 5 },
      rowCount: 5,
      durationMs: 2,
    });
    second.metrics.recordError('BINLOG_PURGED');

    const [firstScrape, secondScrape] = await Promise.all([first.scrape(), second.scrape()]);
    expect(first.metrics.registry).not.toBe(second.metrics.registry);
    expect(seriesOf(firstScrape, 'mysql_sync_rows_applied_total', { table: 'customers' })).toEqual({
      'direction=local_to_cloud,table=customers': 5,
    });
    expect(seriesOf(secondScrape, 'mysql_sync_rows_applied_total', { table: 'customers' })).toEqual({
      'direction=local_to_cloud,table=customers': 0,
    });
    expect(seriesOf(firstScrape, 'mysql_sync_errors_total', { code: 'BINLOG_PURGED' })).toEqual({
      'code=BINLOG_PURGED': 0,
    });
    expect(seriesOf(secondScrape, 'mysql_sync_errors_total', { code: 'BINLOG_PURGED' })).toEqual({
      'code=BINLOG_PURGED': 1,
    });
    expect(globalRegistry.getSingleMetric('mysql_sync_rows_applied_total')).toBeUndefined();
    expect(globalRegistry.getSingleMetric('process_cpu_user_seconds_total')).toBeUndefined();
  });

  it('stops counting events after dispose, and dispose can be called twice', async () => {
    const harness = createHarness();
    expect(harness.events.listenerCount).toBe(1);
    const batch = {
      type: 'batch',
      direction: 'local_to_cloud',
      rowCountByTable: { orders: 1 },
      rowCount: 1,
      durationMs: 1,
    } as const;
    harness.events.publish(batch);
    harness.metrics.dispose();
    harness.metrics.dispose();
    harness.events.publish(batch);

    expect(harness.events.listenerCount).toBe(0);
    expect(seriesOf(await harness.scrape(), 'mysql_sync_batches_total')).toEqual({
      'direction=local_to_cloud': 1,
    });
  });
});
