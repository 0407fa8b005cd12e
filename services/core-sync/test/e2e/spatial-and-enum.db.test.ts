/**
 * Values that used to stop a copy or pause a table: spatial values (GEOMETRY and its subtypes, with their SRID)
 * and an ENUM's invalid value `''` (index 0, stored under a relaxed sql_mode). Both are carried exactly on the
 * snapshot, the stream and the full sync, compared by their stored bytes and index. A value the target's strict
 * mode refuses during the copy pauses that table only, never the service.
 */
import { describe, expect, it } from 'vitest';
import { divergeSilently, runFullSyncToEnd } from '../support/full-sync-runs.js';
import {
  createOnBothSides,
  createSyncFixture,
  eventually,
  expectSameRows,
  expectTablesEqual,
  startDisposableService,
} from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

const placesTable = `CREATE TABLE places (
  id INT PRIMARY KEY,
  label VARCHAR(40) NOT NULL,
  shape GEOMETRY NULL,
  spot POINT NULL,
  path LINESTRING NULL,
  area POLYGON NULL,
  spots MULTIPOINT NULL,
  things GEOMETRYCOLLECTION NULL,
  kind ENUM('shop', 'park', 'home') NOT NULL DEFAULT 'home',
  maybe ENUM('x', 'y') NULL
)`;

/** The stored bytes (SRID and WKB), the SRID and WKB as the spatial functions read them, and the ENUM indexes. */
const placesExactly = `SELECT id, label,
    HEX(shape) AS shape, ST_SRID(shape) AS shape_srid, HEX(ST_AsWKB(shape)) AS shape_wkb,
    HEX(spot) AS spot, HEX(path) AS path, HEX(area) AS area, HEX(spots) AS spots, HEX(things) AS things,
    kind, kind + 0 AS kind_index, maybe, maybe + 0 AS maybe_index
  FROM places ORDER BY id`;

/** Rows written the way an application under `sql_mode=''` writes them: `''` into an ENUM is stored as index 0. */
function relaxed(statements: string): string {
  return `SET SESSION sql_mode = ''; ${statements}; SET SESSION sql_mode = DEFAULT`;
}

const firstRows = relaxed(`INSERT INTO places VALUES
  (1, 'wgs84 point', ST_GeomFromText('POINT(1.5 -2.25)', 4326), POINT(-0.1, 51.5),
      ST_GeomFromText('LINESTRING(0 0, 1 1, 2 0.5)'),
      ST_GeomFromText('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2))'),
      ST_GeomFromText('MULTIPOINT(1 1, 2 2)'),
      ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1))'), 'shop', 'x'),
  (2, 'invalid enum values', ST_GeomFromText('LINESTRING(1e300 -1e-300, 0.1 0.2)', 3857), NULL, NULL, NULL, NULL,
      ST_GeomFromText('GEOMETRYCOLLECTION EMPTY'), '', ''),
  (3, 'nulls', NULL, NULL, NULL, NULL, NULL, NULL, 'park', NULL),
  (4, 'polygon as geometry', ST_GeomFromText('POLYGON((0 0, 1 0, 0 1, 0 0))', 2154), POINT(0, 0), NULL, NULL,
      NULL, NULL, '', 'y')`);

describe('spatial values and the invalid ENUM value', () => {
  it('are carried exactly by the snapshot, the stream and the full sync', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'spatial');
    await createOnBothSides(fixture, placesTable);
    await fixture.source.query(firstRows);
    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({ tables: [{ name: 'places', primary_key: 'id' }] }),
    );
    await expectSameRows(fixture, placesExactly, 'places after the snapshot');

    await fixture.source.query(
      relaxed(`INSERT INTO places (id, label, shape, spot, kind, maybe) VALUES
          (10, 'streamed', ST_GeomFromText('MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))', 4326),
              POINT(12.5, -7.75), '', ''),
          (11, 'streamed', ST_GeomFromText('POINT(3 4)'), NULL, 'home', NULL);
        UPDATE places SET shape = ST_GeomFromText('POINT(1.5 -2.25)', 3857), spot = POINT(9, 9) WHERE id = 1;
        UPDATE places SET kind = 'shop', maybe = 'y' WHERE id = 2;
        UPDATE places SET kind = '', maybe = '' WHERE id = 3;
        UPDATE places SET area = ST_GeomFromText('POLYGON((0 0, 2 0, 2 2, 0 0))', 4326) WHERE id = 3;
        UPDATE places SET label = 'label only' WHERE id = 4;
        DELETE FROM places WHERE id = 11`),
    );
    await eventually(() => expectSameRows(fixture, placesExactly, 'places after the stream'), 20_000);
    expect(running.service.status.directions[0]?.tables).toMatchObject([
      { table: 'places', state: 'streaming', pause: null },
    ]);

    await divergeSilently(
      fixture.target,
      relaxed(`UPDATE places SET shape = ST_GeomFromText('POINT(1.5 -2.25)', 4326) WHERE id = 1;
        UPDATE places SET kind = '' WHERE id = 2;
        UPDATE places SET kind = 'home', maybe = NULL WHERE id = 3;
        UPDATE places SET things = ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 2))') WHERE id = 2;
        DELETE FROM places WHERE id IN (4, 10)`),
    );
    expect(await runFullSyncToEnd(running)).toMatchObject({
      state: 'completed',
      rowsChanged: 5,
      error: null,
    });
    await eventually(() => expectSameRows(fixture, placesExactly, 'places after the full sync'), 20_000);
    expect(await runFullSyncToEnd(running)).toMatchObject({ state: 'completed', rowsChanged: 0 });
    expect(running.listenerErrors).toEqual([]);
  });

  it('pauses only the table whose copy the target refuses a value of, and starts', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'strictcopy',
    );
    await createOnBothSides(
      fixture,
      `CREATE TABLE visits (id INT PRIMARY KEY, visited DATE NOT NULL);
       CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(20) NOT NULL)`,
    );
    // 30 February, stored on the source under ALLOW_INVALID_DATES: the target's strict session refuses it.
    await fixture.source.query(`SET SESSION sql_mode = 'ALLOW_INVALID_DATES';
      INSERT INTO visits SELECT seq, '2024-01-01' + INTERVAL seq DAY FROM seq_1_to_40;
      INSERT INTO visits VALUES (41, '2024-02-30');
      SET SESSION sql_mode = DEFAULT;
      INSERT INTO notes VALUES (1, 'first')`);
    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({
        tables: [
          { name: 'visits', primary_key: 'id', batch_size: 16 },
          { name: 'notes', primary_key: 'id' },
        ],
      }),
    );
    const visits = running.service.status.directions[0]?.tables.find((table) => table.table === 'visits');
    expect(visits).toMatchObject({
      state: 'paused',
      pause: {
        reason: 'row-rejected',
        code: 'ROW_REJECTED',
        errorCode: 'ER_TRUNCATED_WRONG_VALUE',
        row: { id: 41, visited: '2024-02-30' },
      },
    });
    expect(visits?.pause?.message).toMatch(/^cloud refused a row .*Incorrect date value: '2024-02-30'/);
    await fixture.source.query("INSERT INTO notes VALUES (2, 'streamed')");
    await eventually(() => expectTablesEqual(fixture, 'notes', 'id'), 20_000);
    expect(
      running.service.status.directions[0]?.tables.find((table) => table.table === 'notes'),
    ).toMatchObject({
      state: 'streaming',
      pause: null,
    });
  });
});
