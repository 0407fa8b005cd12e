/**
 * Resolving a conflict by hand with edited data, against two real MariaDB servers: both sides must end with the
 * same whole row. Data that leaves columns out is refused unless it names the side whose stored row fills them,
 * and the conflict records which columns were given and which were filled from where.
 */
import { describe, expect, it } from 'vitest';
import type { ConflictRecord } from '../../src/store/index.js';
import type { TestDatabase } from '../support/test-database.js';
import {
  bidirectionalItemsDocument,
  createOnBothSides,
  createSyncFixture,
  eventually,
  expectTablesEqual,
  startDisposableService,
  type RunningService,
  type SyncFixture,
} from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

const itemsTable = `CREATE TABLE items (
  id INT PRIMARY KEY,
  label VARCHAR(64) NOT NULL,
  note TEXT NULL,
  doc JSON NULL,
  payload VARBINARY(16) NULL,
  ratio DOUBLE NULL,
  weight FLOAT NULL,
  price DECIMAL(10, 2) NULL,
  updated_at DATETIME(6) NOT NULL DEFAULT '2000-01-01 00:00:00'
)`;

const columnsAfterNote = ['doc', 'payload', 'ratio', 'weight', 'price', 'updated_at'];
const allColumns = ['id', 'label', 'note', ...columnsAfterNote];

type ItemRow = Record<string, unknown>;

/**
 * Rows 1–3 synced, then, with the service stopped: row 1 changed in every column on both sides (update_update),
 * row 2 changed on local and deleted on cloud, row 3 deleted on local and changed on cloud (each recorded as
 * update_delete or delete_update, by the direction that meets it first). Then the service starts again with the manual strategy and the three conflicts wait.
 */
async function threeConflicts(fixture: SyncFixture, document: Record<string, unknown>): Promise<void> {
  await createOnBothSides(fixture, itemsTable);
  {
    await using running = await startDisposableService(fixture, document);
    await fixture.source.query(
      "INSERT INTO items (id, label, note, doc, payload, ratio, weight, price) VALUES (1, 'one', 'n', '{}', 0x01, 1, 1, 1), " +
        "(2, 'two', 'n', '[]', 0x02, 2, 2, 2), (3, 'three', NULL, NULL, NULL, NULL, NULL, NULL)",
    );
    await eventually(() => expectTablesEqual(fixture, 'items', 'id'));
    expect(running.service.status.directions).toHaveLength(2);
  }
  await fixture.target.query(`
    UPDATE items SET label = 'one on cloud', note = 'cloud note', doc = '{"side": "cloud", "n": [1, 2.5]}',
      payload = 0x00FF10, ratio = 0.1, weight = 0.1, price = 12.34, updated_at = '2024-06-01 00:00:00.000001'
      WHERE id = 1;
    DELETE FROM items WHERE id = 2;
    UPDATE items SET label = 'three on cloud', note = 'cloud three' WHERE id = 3`);
  await fixture.source.query(`
    UPDATE items SET label = 'one on local', note = NULL, doc = '{"side": "local"}', payload = 0xAA,
      ratio = 2.5, weight = 1.25, price = 99.99, updated_at = '2024-06-01 00:00:00.000002' WHERE id = 1;
    UPDATE items SET label = 'two on local', note = 'local two', doc = '{"two": true}', payload = 0x0000,
      ratio = -0.000001, weight = 3.5, price = -5.10, updated_at = '2024-06-02 00:00:00.123456' WHERE id = 2;
    DELETE FROM items WHERE id = 3`);
}

async function rows(database: TestDatabase): Promise<Map<number, ItemRow>> {
  const selected = await database.query<ItemRow>('SELECT * FROM items ORDER BY id');
  return new Map(selected.map((row) => [Number(row.id), row]));
}

/**
 * The three open conflicts by the id of their row. Rows 2 and 3 are each changed on one side and deleted on the
 * other: which direction meets such a row first (and so whether it is recorded as update_delete or
 * delete_update) depends on timing, so the conflicts are found by row, not by type.
 */
async function openConflicts(running: RunningService): Promise<Map<number, ConflictRecord>> {
  let open: ConflictRecord[] = [];
  await eventually(async () => {
    open = (await running.store.listConflicts({ resolved: false, limit: 50, offset: 0 })).conflicts;
    expect(open).toHaveLength(3);
  }, 30_000);
  const byRow = new Map(
    open.map((conflict) => [Number((JSON.parse(conflict.primaryKeyValue) as { id: unknown }).id), conflict]),
  );
  expect(byRow.get(1)?.conflictType).toBe('update_update');
  for (const rowId of [2, 3]) {
    expect(['update_delete', 'delete_update']).toContain(byRow.get(rowId)?.conflictType);
  }
  return byRow;
}

describe('resolving a conflict with edited data', () => {
  it('refuses data that leaves columns out; fills them from the named side; both sides end with the same row', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'resolvefill',
    );
    const document = bidirectionalItemsDocument(fixture, { conflict_resolution: 'manual' });
    await threeConflicts(fixture, document);
    await using running = await startDisposableService(fixture, document);
    const conflicts = await openConflicts(running);
    const localBefore = await rows(fixture.source);
    const cloudBefore = await rows(fixture.target);
    const resolve = (rowId: number, choice: object) =>
      running.service.resolveConflict(
        conflicts.get(rowId)?.id ?? `row ${rowId}`,
        choice as { data: unknown },
        'test',
      );

    // Row 1, changed in every column on both sides: a partial row is refused, naming what it leaves out.
    await expect(resolve(1, { data: { id: 1, label: 'merged' } })).rejects.toMatchObject({
      code: 'CONFLICT_RESOLUTION_INCOMPLETE',
      message: expect.stringContaining(`note, ${columnsAfterNote.join(', ')}`) as unknown,
      details: { missingColumns: ['note', ...columnsAfterNote] },
    });
    await expect(
      resolve(1, { data: { id: 1, label: 'merged', colour: 'red' }, fillFrom: 'cloud' }),
    ).rejects.toMatchObject({ code: 'CONFLICT_RESOLUTION_INVALID', details: { unknownColumns: ['colour'] } });
    expect((await running.store.getConflict(conflicts.get(1)?.id ?? ''))?.resolved).toBe(false);
    expect(await rows(fixture.source)).toEqual(localBefore);
    expect(await rows(fixture.target)).toEqual(cloudBefore);

    // Filled from the cloud's row: NULL given for note stays NULL; JSON, bytes, floats, decimals, microseconds
    // come from the cloud on both sides.
    const rowOne = await resolve(1, {
      data: { id: 1, label: 'merged', note: null },
      fillFrom: 'cloud',
    });
    expect(rowOne).toMatchObject({
      resolved: true,
      resolutionSide: 'merged',
      resolutionColumns: { given: ['id', 'label', 'note'], filledFrom: 'cloud', filled: columnsAfterNote },
    });
    expect(await running.store.getConflict(rowOne.id)).toEqual(rowOne);
    const expectedOne = { ...cloudBefore.get(1), label: 'merged', note: null };
    expect((await rows(fixture.source)).get(1)).toEqual(expectedOne);
    expect((await rows(fixture.target)).get(1)).toEqual(expectedOne);

    // Row 2 is gone on the cloud: the cloud cannot fill it; the local row can, and the cloud gets it back.
    const twoOnLocal = { data: { id: 2, label: 'two merged' }, fillFrom: 'cloud' };
    await expect(resolve(2, twoOnLocal)).rejects.toMatchObject({
      code: 'CONFLICT_RESOLUTION_INCOMPLETE',
      message: expect.stringContaining('absent on cloud') as unknown,
    });
    expect((await rows(fixture.target)).has(2)).toBe(false);
    const rowTwo = await resolve(2, { ...twoOnLocal, fillFrom: 'local' });
    expect(rowTwo.resolutionColumns).toEqual({
      given: ['id', 'label'],
      filledFrom: 'local',
      filled: ['note', ...columnsAfterNote],
    });
    const expectedTwo = { ...localBefore.get(2), label: 'two merged' };
    expect((await rows(fixture.source)).get(2)).toEqual(expectedTwo);
    expect((await rows(fixture.target)).get(2)).toEqual(expectedTwo);

    // Row 3 is gone on local: every column given, nothing to fill; local gets the row back.
    const complete = {
      id: 3,
      label: 'three merged',
      note: null,
      doc: '{"merged": [3]}',
      payload: { $base64: Buffer.from([0, 3, 255]).toString('base64') },
      ratio: 0.3,
      weight: 0.75,
      price: '3.30',
      updated_at: '2024-07-01 12:00:00.000003',
    };
    const rowThree = await resolve(3, { data: complete });
    expect(rowThree.resolutionColumns).toEqual({ given: allColumns, filledFrom: null, filled: [] });
    const expectedThree = { ...complete, payload: Buffer.from([0, 3, 255]) };
    expect((await rows(fixture.source)).get(3)).toEqual(expectedThree);
    expect((await rows(fixture.target)).get(3)).toEqual(expectedThree);
    await expectTablesEqual(fixture, 'items', 'id');

    // The rows sync normally again afterwards.
    await fixture.target.query("UPDATE items SET label = 'after resolution' WHERE id = 2");
    await eventually(async () => {
      expect((await rows(fixture.source)).get(2)).toEqual({ ...expectedTwo, label: 'after resolution' });
    });
    await expectTablesEqual(fixture, 'items', 'id');
  });
});
