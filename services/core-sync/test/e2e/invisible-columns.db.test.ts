/**
 * INVISIBLE columns (MariaDB 10.3+, MySQL 8.0.23+) are left out of `SELECT *`: every read that compares or copies
 * rows names the columns, so their values are carried and compared like any other column's.
 */
import { describe, expect, it } from 'vitest';
import { divergeSilently, runFullSyncToEnd } from '../support/full-sync-runs.js';
import {
  createOnBothSides,
  createSyncFixture,
  eventually,
  expectSameRows,
  startDisposableService,
} from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

const notesTable = `CREATE TABLE notes (
  id INT PRIMARY KEY,
  body VARCHAR(40) NOT NULL,
  secret VARCHAR(40) INVISIBLE DEFAULT 'default secret',
  weight INT INVISIBLE NOT NULL DEFAULT 7
)`;
/** Names the invisible columns: `SELECT *` would not show them. */
const allNotes = 'SELECT id, body, secret, weight FROM notes ORDER BY id';

describe('INVISIBLE columns', () => {
  it('are copied, compared by the full sync and repaired with the source values', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'invisible',
    );
    await createOnBothSides(fixture, notesTable);
    await fixture.source.query(`INSERT INTO notes (id, body, secret, weight)
      SELECT seq, CONCAT('body ', seq), CONCAT('secret ', seq), seq * 3 FROM seq_1_to_300`);
    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({
        tables: [{ name: 'notes', primary_key: 'id' }],
        sync: { snapshot_chunk_size: 100 },
      }),
    );
    await expectSameRows(fixture, allNotes, 'notes after the snapshot');

    await divergeSilently(
      fixture.target,
      `UPDATE notes SET secret = 'drifted' WHERE id IN (5, 250);
       UPDATE notes SET weight = 0 WHERE id = 7;
       UPDATE notes SET secret = NULL WHERE id = 8;
       DELETE FROM notes WHERE id IN (9, 300)`,
    );
    const run = await runFullSyncToEnd(running);
    expect(run).toMatchObject({ state: 'completed', rowsChanged: 6, error: null });
    await eventually(() => expectSameRows(fixture, allNotes, 'notes after the full sync'), 20_000);
    // Spot checks that the rows compared above hold the source's values, not the columns' defaults.
    expect(
      await fixture.target.query('SELECT id, secret, weight FROM notes WHERE id IN (8, 9, 300) ORDER BY id'),
    ).toEqual([
      { id: 8, secret: 'secret 8', weight: 24 },
      { id: 9, secret: 'secret 9', weight: 27 },
      { id: 300, secret: 'secret 300', weight: 900 },
    ]);
    // Nothing differs any more.
    expect(await runFullSyncToEnd(running)).toMatchObject({ state: 'completed', rowsChanged: 0 });
    expect(running.listenerErrors).toEqual([]);
  });

  it('bidirectional: a change that only an invisible column tells apart is applied, not taken for a conflict', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'invisible2',
    );
    await createOnBothSides(fixture, notesTable);
    await fixture.source.query(`INSERT INTO notes (id, body, secret, weight)
      SELECT seq, CONCAT('body ', seq), CONCAT('secret ', seq), seq FROM seq_1_to_20`);
    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({
        tables: [{ name: 'notes', primary_key: 'id', conflict_resolution: 'manual' }],
        sync: { mode: 'bidirectional' },
      }),
    );
    await expectSameRows(fixture, allNotes, 'notes after the snapshot');
    await fixture.source.query("UPDATE notes SET secret = 'changed on local', weight = 100 WHERE id = 3");
    await fixture.target.query("UPDATE notes SET body = 'changed on cloud' WHERE id = 4");
    await eventually(() => expectSameRows(fixture, allNotes, 'notes after the changes'), 20_000);
    expect(
      await fixture.target.query('SELECT id, body, secret, weight FROM notes WHERE id IN (3, 4) ORDER BY id'),
    ).toEqual([
      { id: 3, body: 'body 3', secret: 'changed on local', weight: 100 },
      { id: 4, body: 'changed on cloud', secret: 'secret 4', weight: 4 },
    ]);
    expect((await running.store.listConflicts({ limit: 10, offset: 0 })).total).toBe(0);
  });
});
