/**
 * The set-up the apply-order model tests share (issue 14): a fixture whose source and target hold the model table
 * `m` and the write logs (test/support/model-transactions.ts), and the configuration the service applies it with —
 * batches of 3 rows and 4 workers, so groups run side by side and meet.
 */
import { modelTable, writeLogs } from './model-transactions.js';
import { createOnBothSides, createSyncFixture, type SyncFixture } from './sync-fixture.js';
import { testServerUrl } from './test-servers.js';

/**
 * A fixture with `m` on both sides and the write logs installed, on the MariaDB test servers or on the given
 * source and target servers; dispose it when done.
 */
export async function createModelFixture(
  label: string,
  sourceUrl: string = testServerUrl('local'),
  targetUrl: string = testServerUrl('cloud'),
): Promise<SyncFixture> {
  const fixture = await createSyncFixture(sourceUrl, targetUrl, label);
  try {
    await createOnBothSides(fixture, modelTable);
    await fixture.source.query(writeLogs.source);
    await fixture.target.query(writeLogs.target);
  } catch (error) {
    await fixture[Symbol.asyncDispose]();
    throw error;
  }
  return fixture;
}

/** The configuration document syncing `m` one way with batches of 3 rows and 4 workers. */
export function modelConfigDocument(fixture: SyncFixture): Record<string, unknown> {
  return fixture.configDocument({
    tables: [{ name: 'm', primary_key: 'id' }],
    sync: { batch_insert_size: 3, workers: 4 },
  });
}
