/**
 * Configuration values that end up in SQL are identifiers or bound values, never SQL: a table, key column,
 * timestamp column or database name written to inject a statement is looked up as the name it is, start-up (or a
 * configuration change over the API) is refused with an error naming it, and the table the injection aimed at is
 * still there. A MySQL state store in a database with such a name simply works.
 */
import { describe, expect, inject, it } from 'vitest';
import { quoteIdentifier } from '../../src/mysql/index.js';
import { openStateStore } from '../../src/store/index.js';
import { createSyncFixture, waitUntilHealthy, type SyncFixture } from '../support/sync-fixture.js';
import { createTestDatabase } from '../support/test-database.js';
import { parseServerUrl } from '../support/server-url.js';
import { testServerUrl } from '../support/test-servers.js';

const injection = '`; DROP TABLE victims; -- \'"';
const victimsDdl =
  "CREATE TABLE victims (id INT PRIMARY KEY, name VARCHAR(20)); INSERT INTO victims VALUES (1, 'still here')";
const itemsDdl = 'CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(20), updated_at DATETIME(6))';

async function expectVictimsIntact(fixture: SyncFixture): Promise<void> {
  for (const database of [fixture.source, fixture.target]) {
    expect(await database.query('SELECT * FROM victims')).toEqual([{ id: 1, name: 'still here' }]);
  }
}

async function createTables(fixture: SyncFixture): Promise<void> {
  await fixture.source.query(`${victimsDdl}; ${itemsDdl}; INSERT INTO items VALUES (1, 'one', NULL)`);
  await fixture.target.query(victimsDdl);
}

describe('configuration values that reach SQL', () => {
  it('are names only: hostile table, key, timestamp column and database names are refused by name', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'inject');
    await createTables(fixture);
    const refusals: { document: Record<string, unknown>; refusal: Record<string, unknown> }[] = [
      {
        document: fixture.configDocument({ tables: [{ name: `items${injection}`, primary_key: 'id' }] }),
        refusal: {
          code: 'TABLE_NOT_FOUND',
          message: `table items${injection} does not exist in local database ${fixture.source.name}`,
        },
      },
      {
        document: fixture.configDocument({ tables: [{ name: 'items', primary_key: [`id${injection}`] }] }),
        refusal: {
          code: 'TABLE_NO_PRIMARY_KEY',
          message: `table items: sync.tables[].primary_key is (${quoteIdentifier(`id${injection}`)}) but the table's primary key is (\`id\`)`,
        },
      },
      {
        document: fixture.configDocument({
          tables: [
            {
              name: 'items',
              primary_key: 'id',
              conflict_resolution: 'last_write_wins',
              timestamp_column: `updated_at${injection}`,
            },
          ],
        }),
        refusal: {
          code: 'TABLE_SCHEMA_MISMATCH',
          message: `table items has no column updated_at${injection}, which sync.tables[].timestamp_column names`,
        },
      },
    ];
    for (const side of ['local', 'cloud'] as const) {
      const document = fixture.configDocument({ tables: [{ name: 'items', primary_key: 'id' }] });
      const databases = document.databases as Record<string, Record<string, unknown>>;
      const database = `nope${injection}`;
      databases[side] = { ...databases[side], database };
      refusals.push({
        document,
        refusal: {
          code: 'DATABASE_NOT_FOUND',
          message: `database ${database} does not exist on the ${side} server ${String(databases[side]?.host)}:${String(databases[side]?.port)} (databases.${side}.database)`,
        },
      });
    }
    // A user without global privileges is denied a database that does not exist: named the same way.
    const limitedUser = `limited_${fixture.source.name.slice(-8)}`;
    await fixture.source.query(
      `CREATE USER '${limitedUser}'@'%' IDENTIFIED BY 'limited-password'; ` +
        `GRANT SELECT ON ${quoteIdentifier(fixture.source.name)}.* TO '${limitedUser}'@'%'`,
    );
    try {
      const document = fixture.configDocument({ tables: [{ name: 'items', primary_key: 'id' }] });
      const databases = document.databases as Record<string, Record<string, unknown>>;
      const database = `nope${injection}`;
      databases.local = { ...databases.local, user: limitedUser, password: 'limited-password', database };
      refusals.push({
        document,
        refusal: {
          code: 'DATABASE_NOT_FOUND',
          message: `database ${database} does not exist or this user may not use it on the local server ${String(databases.local.host)}:${String(databases.local.port)} (databases.local.database)`,
        },
      });
      for (const { document: refused, refusal } of refusals) {
        await expect(fixture.startService(refused), JSON.stringify(refusal)).rejects.toMatchObject(refusal);
        await expectVictimsIntact(fixture);
      }
    } finally {
      await fixture.source.query(`DROP USER '${limitedUser}'@'%'`);
    }
    // Nothing was created on the target either.
    expect(await fixture.target.query('SHOW TABLES')).toEqual([
      { [`Tables_in_${fixture.target.name}`]: 'victims' },
    ]);
  });

  it('a MySQL state store in a database whose name is an injection just uses that database', async () => {
    const stateServer = parseServerUrl(inject('stateServerUrl'));
    await using scratch = await createTestDatabase(inject('stateServerUrl'), 'inject_state');
    await scratch.query(victimsDdl);
    const database = `state${injection}`;
    const store = await openStateStore({ type: 'mysql', ...stateServer, database });
    try {
      await store.saveCheckpoints([
        {
          sourceName: `local${injection}`,
          slot: `t:items${injection}`,
          binlogFile: 'b.1',
          binlogPosition: 4,
          gtid: null,
          updatedAt: new Date(),
        },
      ]);
      expect(await store.loadCheckpoints(`local${injection}`)).toMatchObject([
        { slot: `t:items${injection}` },
      ]);
      const lease = await store.acquireLease(`lease${injection}`, 'holder', 10_000);
      expect(lease).toMatchObject({ name: `lease${injection}`, epoch: 1, held: true });
      const [schema] = await scratch.query<{ name: string }>(
        'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
        [database],
      );
      expect(schema?.name).toBe(database);
      expect(await scratch.query('SELECT * FROM victims')).toEqual([{ id: 1, name: 'still here' }]);
    } finally {
      await store.close();
      await scratch.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)}`);
    }
  });

  it('PUT /api/v1/config cannot add a hostile table: refused by name, the running configuration stays', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'injectapi',
    );
    await createTables(fixture);
    const token = 'inject-admin-token-0123456789';
    const service = await fixture.spawnService(
      fixture.configDocument({
        tables: [{ name: 'items', primary_key: 'id' }],
        server: { auth_token: token },
      }),
    );
    await waitUntilHealthy(service);
    const call = async (method: string, body?: unknown) => {
      const response = await fetch(`http://127.0.0.1:${service.port}/api/v1/config`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const before = await call('GET');
    expect(before.body).toMatchObject({ restartRequired: [] });
    const edited = structuredClone(before.body.config) as { sync: { tables: unknown[] } };
    edited.sync.tables.push({ name: `victims${injection}`, primary_key: 'id' });
    const refused = await call('PUT', edited);
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'CONFIG_INVALID' } } });
    expect(JSON.stringify(refused.body)).toContain(JSON.stringify(`victims${injection}`).slice(1, -1));
    await expectVictimsIntact(fixture);
    expect((await call('GET')).body).toEqual(before.body);
    await waitUntilHealthy(service);
    expect(await service.kill('SIGTERM')).toBe(0);
  });
});
