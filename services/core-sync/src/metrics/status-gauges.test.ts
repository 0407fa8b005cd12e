import { describe, expect, it } from 'vitest';
import { seriesOf } from './testing/exposition.js';
import { createHarness, directionStatus, reverseDirectionStatus } from './testing/metrics-test-kit.js';
import { noPreparedXaView } from '../status/index.js';

const directionGauges = [
  'mysql_sync_replication_lag_seconds',
  'mysql_sync_queue_depth',
  'mysql_sync_queue_capacity',
  'mysql_sync_source_paused',
  'mysql_sync_stream_up',
  'mysql_sync_stream_reconnect_attempts',
  'mysql_sync_xa_prepared_transactions',
  'mysql_sync_xa_prepared_age_seconds',
];

describe('gauges read from the status at scrape time', () => {
  it('follow the status from one scrape to the next', async () => {
    const harness = createHarness();
    const healthy = await harness.scrape();
    expect(directionGauges.map((name) => [name, seriesOf(healthy, name)])).toEqual([
      ['mysql_sync_replication_lag_seconds', { 'direction=local_to_cloud': 0 }],
      ['mysql_sync_queue_depth', { 'direction=local_to_cloud': 0 }],
      ['mysql_sync_queue_capacity', { 'direction=local_to_cloud': 10_000 }],
      ['mysql_sync_source_paused', { 'direction=local_to_cloud': 0 }],
      ['mysql_sync_stream_up', { 'direction=local_to_cloud': 1 }],
      ['mysql_sync_stream_reconnect_attempts', { 'direction=local_to_cloud': 0 }],
      ['mysql_sync_xa_prepared_transactions', { 'direction=local_to_cloud': 0 }],
      ['mysql_sync_xa_prepared_age_seconds', {}],
    ]);

    harness.status = {
      mode: 'local_to_cloud',
      directions: [
        directionStatus({
          stream: {
            state: 'reconnecting',
            position: 'binlog.000003:1234',
            lagMs: 42_500,
            preparedXa: {
              count: 2,
              oldestXid: "X'7831',X'',1",
              oldestPreparedAt: '2025-01-01T00:00:00.000Z',
              oldestAgeMs: 42_500,
              restartPosition: 'binlog.000003:1000',
            },
            reconnectAttempt: 4,
            lastError: { code: 'BINLOG_STREAM_FAILED', message: 'connection lost' },
          },
          queueDepth: 10_240,
          backpressure: { queueCapacity: 10_000, sourcePaused: true, pauseCount: 3, peakQueueDepth: 10_240 },
        }),
      ],
    };
    const struggling = await harness.scrape();
    expect(directionGauges.map((name) => [name, seriesOf(struggling, name)])).toEqual([
      ['mysql_sync_replication_lag_seconds', { 'direction=local_to_cloud': 42.5 }],
      ['mysql_sync_queue_depth', { 'direction=local_to_cloud': 10_240 }],
      ['mysql_sync_queue_capacity', { 'direction=local_to_cloud': 10_000 }],
      ['mysql_sync_source_paused', { 'direction=local_to_cloud': 1 }],
      ['mysql_sync_stream_up', { 'direction=local_to_cloud': 0 }],
      ['mysql_sync_stream_reconnect_attempts', { 'direction=local_to_cloud': 4 }],
      ['mysql_sync_xa_prepared_transactions', { 'direction=local_to_cloud': 2 }],
      ['mysql_sync_xa_prepared_age_seconds', { 'direction=local_to_cloud': 42.5 }],
    ]);
  });

  it('leave out what is unknown instead of reporting 0', async () => {
    const harness = createHarness({
      status: {
        mode: 'bidirectional',
        directions: [
          // Streaming, no binlog event read yet: lag unknown.
          directionStatus({
            stream: {
              state: 'starting',
              position: null,
              lagMs: null,
              preparedXa: noPreparedXaView,
              reconnectAttempt: 0,
              lastError: null,
            },
            watermark: null,
          }),
          // Snapshotting, no stream and no queue yet.
          reverseDirectionStatus({
            state: 'snapshotting',
            stream: null,
            watermark: null,
            backpressure: null,
          }),
        ],
      },
    });
    const scrape = await harness.scrape();
    expect(seriesOf(scrape, 'mysql_sync_replication_lag_seconds')).toEqual({});
    expect(seriesOf(scrape, 'mysql_sync_binlog_file_sequence')).toEqual({});
    expect(seriesOf(scrape, 'mysql_sync_binlog_offset_bytes')).toEqual({});
    expect(seriesOf(scrape, 'mysql_sync_queue_capacity')).toEqual({ 'direction=local_to_cloud': 10_000 });
    expect(seriesOf(scrape, 'mysql_sync_stream_up')).toEqual({
      'direction=local_to_cloud': 0,
      'direction=cloud_to_local': 0,
    });
    expect(seriesOf(scrape, 'mysql_sync_source_paused')).toEqual({
      'direction=local_to_cloud': 0,
      'direction=cloud_to_local': 0,
    }); // No stream yet (snapshotting): how many XA transactions wait is not known.
    expect(seriesOf(scrape, 'mysql_sync_xa_prepared_transactions')).toEqual({
      'direction=local_to_cloud': 0,
    });
    expect(seriesOf(scrape, 'mysql_sync_xa_prepared_age_seconds')).toEqual({});
  });

  it('drop the series of a direction that is no longer in the status', async () => {
    const harness = createHarness({
      status: {
        mode: 'bidirectional',
        directions: [directionStatus(), reverseDirectionStatus({ queueDepth: 7 })],
      },
    });
    expect(seriesOf(await harness.scrape(), 'mysql_sync_queue_depth')).toEqual({
      'direction=local_to_cloud': 0,
      'direction=cloud_to_local': 7,
    });
    harness.status = { mode: 'local_to_cloud', directions: [directionStatus({ queueDepth: 2 })] };
    expect(seriesOf(await harness.scrape(), 'mysql_sync_queue_depth')).toEqual({
      'direction=local_to_cloud': 2,
    });
  });

  it('read the status once per scrape', async () => {
    const harness = createHarness();
    await harness.scrape();
    expect(harness.statusReads).toBe(1);
    await harness.scrape();
    expect(harness.statusReads).toBe(2);
  });

  it('reject the scrape when the status cannot be read', async () => {
    const harness = createHarness();
    const failure = new Error('status unavailable');
    Object.defineProperty(harness, 'status', {
      get: () => {
        throw failure;
      },
    });
    await expect(harness.metrics.render()).rejects.toBe(failure);
  });
});

describe('binlog position gauges', () => {
  it('split read and applied positions into file sequence and byte offset', async () => {
    const harness = createHarness({
      status: {
        mode: 'local_to_cloud',
        directions: [
          directionStatus({
            stream: {
              state: 'streaming',
              position: 'mysql-bin.000012:98765@0-1-42',
              lagMs: 0,
              preparedXa: noPreparedXaView,
              reconnectAttempt: 0,
              lastError: null,
            },
            watermark: 'mysql-bin.000011:4096@0-1-40',
          }),
        ],
      },
    });
    const scrape = await harness.scrape();
    expect(seriesOf(scrape, 'mysql_sync_binlog_file_sequence')).toEqual({
      'direction=local_to_cloud,stage=read': 12,
      'direction=local_to_cloud,stage=applied': 11,
    });
    expect(seriesOf(scrape, 'mysql_sync_binlog_offset_bytes')).toEqual({
      'direction=local_to_cloud,stage=read': 98_765,
      'direction=local_to_cloud,stage=applied': 4_096,
    });
  });

  it('leaves out a position it cannot read and logs it once, not at every scrape', async () => {
    const harness = createHarness({
      status: { mode: 'local_to_cloud', directions: [directionStatus({ watermark: 'not-a-position' })] },
    });
    const first = await harness.scrape();
    await harness.scrape();
    expect(seriesOf(first, 'mysql_sync_binlog_offset_bytes')).toEqual({
      'direction=local_to_cloud,stage=read': 1234,
    });
    expect(
      harness.logLines.map((line) => [line['msg'], line['direction'], line['stage'], line['binlogPosition']]),
    ).toEqual([
      [
        'binlog position in the status is not readable; its metrics are left out',
        'local_to_cloud',
        'applied',
        'not-a-position',
      ],
    ]);
  });
});

describe('state gauges', () => {
  it('mark the current direction state, count tables per state and flag paused tables', async () => {
    const base = directionStatus();
    const harness = createHarness({
      status: {
        mode: 'local_to_cloud',
        directions: [
          directionStatus({
            state: 'snapshotting',
            tables: [
              { table: 'customers', state: 'synced', rowsApplied: 0, rowsCopied: 120, pause: null },
              {
                table: 'orders',
                state: 'paused',
                rowsApplied: 10,
                rowsCopied: 120,
                pause: {
                  table: 'orders',
                  reason: 'row-rejected',
                  code: 'ROW_REJECTED',
                  message: 'Data too long for column note',
                  fromSequence: 17,
                  resumePosition: null,
                  position: null,
                  row: { id: 9 },
                  errorCode: 'ROW_REJECTED',
                },
              },
            ],
          }),
        ],
      },
    });
    const scrape = await harness.scrape();
    expect(seriesOf(scrape, 'mysql_sync_direction_state')).toEqual({
      'direction=local_to_cloud,state=starting': 0,
      'direction=local_to_cloud,state=snapshotting': 1,
      'direction=local_to_cloud,state=streaming': 0,
      'direction=local_to_cloud,state=idle': 0,
      'direction=local_to_cloud,state=stopping': 0,
      'direction=local_to_cloud,state=stopped': 0,
      'direction=local_to_cloud,state=failed': 0,
    });
    expect(seriesOf(scrape, 'mysql_sync_tables')).toEqual({
      'direction=local_to_cloud,state=pending': 0,
      'direction=local_to_cloud,state=snapshotting': 0,
      'direction=local_to_cloud,state=streaming': 0,
      'direction=local_to_cloud,state=synced': 1,
      'direction=local_to_cloud,state=paused': 1,
    });
    expect(seriesOf(scrape, 'mysql_sync_table_paused')).toEqual({
      'direction=local_to_cloud,table=customers': 0,
      'direction=local_to_cloud,table=orders': 1,
    });

    harness.status = { mode: 'local_to_cloud', directions: [base] };
    const resumed = await harness.scrape();
    expect(seriesOf(resumed, 'mysql_sync_direction_state', { state: 'streaming' })).toEqual({
      'direction=local_to_cloud,state=streaming': 1,
    });
    expect(seriesOf(resumed, 'mysql_sync_tables', { state: 'streaming' })).toEqual({
      'direction=local_to_cloud,state=streaming': 2,
    });
    expect(seriesOf(resumed, 'mysql_sync_table_paused')).toEqual({
      'direction=local_to_cloud,table=customers': 0,
      'direction=local_to_cloud,table=orders': 0,
    });
  });
});

describe('apply lag from lag samples', () => {
  it('shows the last sample while the direction streams, nothing before a sample or after it stopped', async () => {
    const harness = createHarness();
    expect(seriesOf(await harness.scrape(), 'mysql_sync_apply_lag_seconds')).toEqual({});

    const sample = { type: 'lag', direction: 'local_to_cloud', queueDepth: 3, rowsPerSecond: 850 } as const;
    harness.events.publish({ ...sample, lagMs: 180, position: 'binlog.000003:1234' });
    harness.events.publish({ ...sample, lagMs: 35, position: 'binlog.000003:2345' });
    expect(seriesOf(await harness.scrape(), 'mysql_sync_apply_lag_seconds')).toEqual({
      'direction=local_to_cloud': 0.035,
    });

    harness.status = { mode: 'local_to_cloud', directions: [directionStatus({ state: 'stopped' })] };
    expect(seriesOf(await harness.scrape(), 'mysql_sync_apply_lag_seconds')).toEqual({});
  });
});
