/**
 * What the tests of a target that refuses writes (test/e2e/target-errors-*.db.test.ts) share: a target server of
 * the test's own, the notes table, and a log of the row versions the service writes on the target.
 */
import { expect } from 'vitest';
import { SandboxServer, type SandboxServerOptions } from '../../src/sandbox/index.js';
import { formatServerUrl } from './server-url.js';
import { createSyncFixture, type SyncFixture } from './sync-fixture.js';
import { testServerUrl } from './test-servers.js';

export const notesTable = 'CREATE TABLE notes (id INT PRIMARY KEY, body TEXT NOT NULL)';

/**
 * Logs every row version the service writes into `items` on the target: an upsert fires BEFORE INSERT on each
 * attempt, so a change applied twice logs the same (id, version) twice. Log rows commit or roll back with the
 * batch that wrote them.
 */
export function writeLog(table: string): string {
  return `
    CREATE TABLE write_log (row_id INT NOT NULL, version INT NOT NULL);
    CREATE TRIGGER ${table}_write_log BEFORE INSERT ON ${table} FOR EACH ROW
      INSERT INTO write_log VALUES (NEW.id, NEW.version)`;
}

/** No (id, version) of `table` was written twice, and every version on the target was written by the service. */
export async function expectWrittenOnce(fixture: SyncFixture, table: string): Promise<void> {
  const repeated = await fixture.target.query(
    'SELECT row_id, version, COUNT(*) AS writes FROM write_log GROUP BY row_id, version HAVING writes > 1',
  );
  expect(repeated, 'row versions the service wrote more than once').toEqual([]);
  const missing = await fixture.target.query(
    `SELECT id, version FROM ${table} WHERE (id, version) NOT IN (SELECT row_id, version FROM write_log)`,
  );
  expect(missing, 'row versions on the target that the log did not see').toEqual([]);
}

/**
 * A sync fixture from the shared local server to a target server of the test's own (started with `server`, its
 * settings); disposing of it removes the fixture's databases, then the server.
 */
export async function ownTargetFixture(
  server: SandboxServerOptions,
  label: string,
): Promise<{ fixture: SyncFixture; targetServer: SandboxServer } & AsyncDisposable> {
  const targetServer = await SandboxServer.start(server);
  try {
    const fixture = await createSyncFixture(
      testServerUrl('local'),
      formatServerUrl(targetServer.connectionInfo),
      label,
    );
    return {
      fixture,
      targetServer,
      async [Symbol.asyncDispose]() {
        try {
          await fixture[Symbol.asyncDispose]();
        } finally {
          await targetServer.destroy();
        }
      },
    };
  } catch (error) {
    await targetServer.destroy();
    throw error;
  }
}
