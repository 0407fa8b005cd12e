import { describe, expect, it } from 'vitest';
import { seriesOf } from './testing/exposition.js';
import { createHarness, directionStatus, type MetricsHarness } from './testing/metrics-test-kit.js';
import { type DirectionStatus, type StreamView, noPreparedXaView } from '../status/index.js';

const connectionLost = { code: 'BINLOG_STREAM_FAILED', message: 'binlog stream to local: connection lost' };
const purged = { code: 'BINLOG_PURGED', message: 'binlog.000002 was purged on local' };

function stream(overrides: Partial<StreamView>): StreamView {
  return {
    state: 'streaming',
    position: 'binlog.000003:1234',
    lagMs: 0,
    preparedXa: noPreparedXaView,
    reconnectAttempt: 0,
    lastError: null,
    ...overrides,
  };
}

function publishStatus(harness: MetricsHarness, status: DirectionStatus): void {
  harness.events.publish({ type: 'status', direction: 'local_to_cloud', status });
}

async function countedErrors(harness: MetricsHarness): Promise<Record<string, number>> {
  const series = seriesOf(await harness.scrape(), 'mysql_sync_errors_total');
  return Object.fromEntries(Object.entries(series).filter(([, value]) => value !== 0));
}

describe('errors from direction status events', () => {
  it('counts a stream error once while statuses repeat it, and again for each failed reconnect attempt', async () => {
    const harness = createHarness();
    const statuses: [Partial<StreamView>, string][] = [
      [{ state: 'streaming' }, 'healthy'],
      [{ state: 'reconnecting', reconnectAttempt: 1, lastError: connectionLost }, 'first failure'],
      [{ state: 'reconnecting', reconnectAttempt: 1, lastError: connectionLost }, 'repeated status'],
      [{ state: 'starting', reconnectAttempt: 1, lastError: connectionLost }, 'reconnecting'],
      [{ state: 'reconnecting', reconnectAttempt: 2, lastError: connectionLost }, 'second attempt failed'],
      [{ state: 'starting', reconnectAttempt: 2, lastError: connectionLost }, 'reconnecting'],
      // Recovered: the attempt count resets, the last error stays in the status.
      [{ state: 'streaming', reconnectAttempt: 0, lastError: connectionLost }, 'recovered'],
      [{ state: 'streaming', reconnectAttempt: 0, lastError: connectionLost }, 'repeated status'],
    ];
    for (const [streamView] of statuses) {
      publishStatus(harness, directionStatus({ stream: stream(streamView) }));
    }
    expect(await countedErrors(harness)).toEqual({ 'code=BINLOG_STREAM_FAILED': 2 });

    // The same code after recovery is a new failure.
    publishStatus(
      harness,
      directionStatus({
        stream: stream({ state: 'reconnecting', reconnectAttempt: 1, lastError: connectionLost }),
      }),
    );
    expect(await countedErrors(harness)).toEqual({ 'code=BINLOG_STREAM_FAILED': 3 });
  });

  it('counts a fatal stream error once, not again when the direction fails with the same error', async () => {
    const harness = createHarness();
    const failedStream = stream({ state: 'failed', reconnectAttempt: 0, lastError: purged });
    publishStatus(harness, directionStatus({ stream: failedStream }));
    publishStatus(harness, directionStatus({ state: 'failed', error: purged, stream: failedStream }));
    publishStatus(harness, directionStatus({ state: 'failed', error: purged, stream: failedStream }));
    expect(await countedErrors(harness)).toEqual({ 'code=BINLOG_PURGED': 1 });
  });

  it('counts a stream that turns failed with the code of its last retried error', async () => {
    const harness = createHarness();
    const retried = stream({ state: 'reconnecting', reconnectAttempt: 3, lastError: connectionLost });
    publishStatus(harness, directionStatus({ stream: retried }));
    publishStatus(harness, directionStatus({ stream: { ...retried, state: 'failed' } }));
    expect(await countedErrors(harness)).toEqual({ 'code=BINLOG_STREAM_FAILED': 2 });
  });

  it('counts a direction error of its own once, and again after it cleared and came back', async () => {
    const harness = createHarness();
    const applyFailed = { code: 'APPLY_FAILED', message: 'writing orders to cloud: lock wait timeout' };
    publishStatus(harness, directionStatus({ state: 'failed', error: applyFailed }));
    publishStatus(harness, directionStatus({ state: 'failed', error: applyFailed }));
    publishStatus(harness, directionStatus({ state: 'stopped', error: applyFailed }));
    expect(await countedErrors(harness)).toEqual({ 'code=APPLY_FAILED': 1 });

    publishStatus(harness, directionStatus({ state: 'starting', error: null }));
    publishStatus(harness, directionStatus({ state: 'failed', error: applyFailed }));
    expect(await countedErrors(harness)).toEqual({ 'code=APPLY_FAILED': 2 });
  });

  it('tracks each direction on its own', async () => {
    const harness = createHarness();
    const failing = directionStatus({
      stream: stream({ state: 'reconnecting', reconnectAttempt: 1, lastError: connectionLost }),
    });
    harness.events.publish({ type: 'status', direction: 'local_to_cloud', status: failing });
    harness.events.publish({
      type: 'status',
      direction: 'cloud_to_local',
      status: { ...failing, source: 'cloud', target: 'local' },
    });
    harness.events.publish({ type: 'status', direction: 'local_to_cloud', status: failing });
    expect(await countedErrors(harness)).toEqual({ 'code=BINLOG_STREAM_FAILED': 2 });
  });
});
