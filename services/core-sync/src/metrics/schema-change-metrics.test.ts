import { describe, expect, it } from 'vitest';
import type { SchemaChangeView } from '../status/index.js';
import { seriesOf } from './testing/exposition.js';
import { createHarness, directionStatus, reverseDirectionStatus } from './testing/metrics-test-kit.js';

function change(table: string, state: SchemaChangeView['state']): SchemaChangeView {
  return {
    table,
    statement: `ALTER TABLE ${table} ADD COLUMN note TEXT`,
    position: 'binlog.000001:400',
    state,
    seenAt: '2026-12-07T21:00:00.000Z',
    durationMs: null,
    message: null,
  };
}

describe('schema change metrics', () => {
  it('counts each schema change once, by how it ended, and gauges the ones waiting or running', async () => {
    const harness = createHarness({
      status: {
        mode: 'bidirectional',
        directions: [
          directionStatus({ schemaChanges: [change('orders', 'applying'), change('orders', 'applied')] }),
          reverseDirectionStatus({ schemaChanges: [change('orders', 'echo')] }),
        ],
      },
    });
    for (const state of ['waiting', 'applying', 'applied'] as const) {
      harness.events.publish({
        type: 'schema-change',
        direction: 'local_to_cloud',
        change: change('orders', state),
      });
    }
    harness.events.publish({
      type: 'schema-change',
      direction: 'cloud_to_local',
      change: change('orders', 'echo'),
    });
    harness.events.publish({
      type: 'schema-change',
      direction: 'local_to_cloud',
      change: change('audit_log', 'paused'),
    });

    const scrape = await harness.scrape();
    expect(seriesOf(scrape, 'mysql_sync_schema_changes_total')).toEqual({
      'direction=local_to_cloud,outcome=applied,table=orders': 1,
      'direction=cloud_to_local,outcome=echo,table=orders': 1,
      // Not configured: under the label that cannot multiply series.
      'direction=local_to_cloud,outcome=paused,table=(other)': 1,
    });
    expect(seriesOf(scrape, 'mysql_sync_schema_changes_pending')).toEqual({
      'direction=local_to_cloud': 1,
      'direction=cloud_to_local': 0,
    });
  });
});
