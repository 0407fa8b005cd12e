import { describe, expect, it } from 'vitest';
import { seriesOf } from './testing/exposition.js';
import { createHarness } from './testing/metrics-test-kit.js';

describe('event-stream metrics', () => {
  it('show every cap and reason at 0 before anything happened', async () => {
    const scrape = await createHarness().scrape();
    expect(scrape.problems).toEqual([]);
    expect(seriesOf(scrape, 'mysql_sync_event_stream_clients')).toEqual({ '': 0 });
    expect(seriesOf(scrape, 'mysql_sync_event_stream_refused_total')).toEqual({
      'cap=global': 0,
      'cap=per_token': 0,
    });
    expect(seriesOf(scrape, 'mysql_sync_event_stream_dropped_total')).toEqual({
      'reason=buffer_full': 0,
      'reason=stalled': 0,
    });
  });

  it('follow the clients connected, and count refusals by cap and drops by reason', async () => {
    const harness = createHarness();
    const streamClients = harness.metrics.streamClients;
    streamClients.connected(1);
    streamClients.connected(2);
    streamClients.refused('per_token');
    streamClients.refused('per_token');
    streamClients.refused('global');
    streamClients.dropped('stalled');
    streamClients.connected(1);
    const scrape = await harness.scrape();
    expect(seriesOf(scrape, 'mysql_sync_event_stream_clients')).toEqual({ '': 1 });
    expect(seriesOf(scrape, 'mysql_sync_event_stream_refused_total')).toEqual({
      'cap=global': 1,
      'cap=per_token': 2,
    });
    expect(seriesOf(scrape, 'mysql_sync_event_stream_dropped_total')).toEqual({
      'reason=buffer_full': 0,
      'reason=stalled': 1,
    });
  });
});
