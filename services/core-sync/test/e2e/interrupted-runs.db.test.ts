/**
 * A run whose process was killed (SIGKILL: no chance to record its end) is closed as `interrupted` in the history
 * by the next process that runs full syncs, before it starts runs of its own.
 */
import { describe, expect, it } from 'vitest';
import { insertItems, itemsTable, seedRows } from '../support/item-load.js';
import {
  bidirectionalItemsDocument,
  createOnBothSides,
  createSyncFixture,
  eventually,
  waitUntilHealthy,
  type ServiceProcess,
} from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

interface HistoryEntry {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly completedAt: string | null;
  readonly errorMessage: string | null;
}

async function history(service: ServiceProcess): Promise<HistoryEntry[]> {
  const response = await fetch(`http://127.0.0.1:${service.port}/api/v1/sync/history`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { entries: HistoryEntry[] }).entries;
}

describe('runs interrupted by a killed process', () => {
  it('are recorded as interrupted by the next start, beside the runs that completed since', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'interrupted',
    );
    await createOnBothSides(fixture, itemsTable);
    const rows = seedRows(20_000);
    await insertItems(fixture.source, rows);
    await insertItems(fixture.target, rows);
    await fixture.source.query("UPDATE items SET label = 'changed on local' WHERE id % 7 = 0");
    const document = bidirectionalItemsDocument(fixture, {
      conflict_resolution: 'source_priority',
      prefer: 'local',
    });
    const sync = document.sync as Record<string, unknown>;
    const slowDocument = { ...document, sync: { ...sync, snapshot_chunk_size: 100 } };
    let service = await fixture.spawnService(slowDocument);
    await waitUntilHealthy(service, 2);
    // The scheduler starts the adoption run on its own: killed while it runs.
    let killed: HistoryEntry | undefined;
    await eventually(
      async () => {
        killed = (await history(service)).find((entry) => entry.kind === 'adoption');
        expect(killed).toMatchObject({ status: 'running', completedAt: null });
      },
      60_000,
      20,
    );
    expect(await service.kill('SIGKILL')).toBeNull();

    service = await fixture.spawnService(slowDocument);
    await waitUntilHealthy(service, 2);
    await eventually(
      async () => {
        const entries = await history(service);
        expect(entries.find((entry) => entry.id === killed?.id)).toMatchObject({
          status: 'interrupted',
          completedAt: expect.any(String) as unknown,
          errorMessage: expect.stringContaining('the service process stopped during this run') as unknown,
        });
        // The restart adopted the table again, in a run of its own that completed.
        expect(entries.filter((entry) => entry.id !== killed?.id)).toContainEqual(
          expect.objectContaining({ kind: 'adoption', status: 'completed' }),
        );
        expect(entries.filter((entry) => entry.status === 'running')).toEqual([]);
      },
      120_000,
      200,
    );
    expect(await service.kill('SIGTERM')).toBe(0);
    // Two adoptions of 20,000 rows 100 at a time take 30 to 100 s on a loaded 2-core machine: the limit only
    // catches a hang.
  }, 300_000);
});
