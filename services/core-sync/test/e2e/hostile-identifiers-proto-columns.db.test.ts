/**
 * A column named __proto__, which core-sync cannot carry: refused at start by name, and pausing its table when a
 * DDL adds it; the other names of Object.prototype are ordinary columns.
 */
import { describe, expect, it } from 'vitest';
import { createSyncFixture, eventually } from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

describe('hostile identifiers', () => {
  it('a column named __proto__ is refused at start by name, and pauses its table when a DDL adds it', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'proto-columns',
    );
    // Other names of Object.prototype are ordinary keys of a row and sync like any column.
    const gadgets =
      'CREATE TABLE gadgets (id INT PRIMARY KEY, `constructor` INT, `toString` VARCHAR(10), `hasOwnProperty` INT, `valueOf` INT)';
    await fixture.source.query(
      `${gadgets}; CREATE TABLE protos (id INT PRIMARY KEY, \`__proto__\` VARCHAR(10))`,
    );
    await fixture.target.query(gadgets);
    await fixture.source.query(
      "INSERT INTO gadgets VALUES (1, 2, 'three', 4, 5); INSERT INTO protos VALUES (1, 'x')",
    );
    await expect(
      fixture.startService(fixture.configDocument({ tables: [{ name: 'protos', primary_key: 'id' }] })),
    ).rejects.toMatchObject({
      code: 'TABLE_COLUMN_UNSUPPORTED',
      message: expect.stringMatching(
        /^table protos in local database \S+ has a column named __proto__, which core-sync cannot carry .*rename the column, or leave the table out of sync.tables$/,
      ) as unknown,
    });

    const running = await fixture.startService(
      fixture.configDocument({ tables: [{ name: 'gadgets', primary_key: 'id' }] }),
    );
    try {
      await fixture.source.query("INSERT INTO gadgets VALUES (2, 7, 'eight', 9, 10)");
      await eventually(async () => {
        expect(await fixture.target.query('SELECT * FROM gadgets ORDER BY id')).toEqual([
          { id: 1, constructor: 2, toString: 'three', hasOwnProperty: 4, valueOf: 5 },
          { id: 2, constructor: 7, toString: 'eight', hasOwnProperty: 9, valueOf: 10 },
        ]);
      }, 30_000);
      await fixture.source.query('ALTER TABLE gadgets ADD COLUMN `__proto__` VARCHAR(10)');
      await fixture.source.query("INSERT INTO gadgets VALUES (3, 1, 'one', 1, 1, 'lost?')");
      await eventually(() => {
        const [table] = running.service.status.directions[0]?.tables ?? [];
        expect(table).toMatchObject({
          table: 'gadgets',
          state: 'paused',
          pause: {
            reason: 'schema-change',
            code: 'TABLE_PAUSED_DDL',
            message: expect.stringMatching(
              /added a column named __proto__, which core-sync cannot carry/,
            ) as unknown,
          },
        });
      }, 30_000);
      expect(await fixture.target.query('SELECT id FROM gadgets ORDER BY id')).toEqual([
        { id: 1 },
        { id: 2 },
      ]);
    } finally {
      await running.stop();
    }
  });
});
