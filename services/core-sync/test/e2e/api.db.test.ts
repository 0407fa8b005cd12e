/**
 * The HTTP API of a real core-sync process (the `npm start` entry point) over two real MariaDB servers: auth,
 * a full sync triggered over HTTP and watched over SSE to 100 %, its history, metrics, and a configuration
 * change applied while running.
 */
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/sandbox/index.js';
import { openEventStream } from '../support/sse-client.js';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  waitUntilHealthy,
} from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

/** The parts of GET /config's document these tests edit. */
interface EditedConfig {
  databases: { cloud: Record<string, unknown> };
  sync: { tables: unknown[]; workers: number };
  scheduler: { interval: string };
  logging: { level: string };
  server: { read_timeout: string };
}

const adminToken = 'admin-token-0123456789abcdef';
const readerToken = 'reader-token-0123456789abcdef';
const rotatedAdminToken = 'rotated-admin-token-0123456789';
const rotatedReaderToken = 'rotated-reader-token-0123456789';

const ordersTable = `CREATE TABLE orders (
  id INT PRIMARY KEY, customer VARCHAR(40) NOT NULL, total DECIMAL(10,2) NOT NULL
)`;
const extrasTable = 'CREATE TABLE extras (id INT PRIMARY KEY, label VARCHAR(20) NOT NULL)';

describe('HTTP API of a running service', () => {
  it('serves status, a full sync with live progress, history, metrics and a live configuration change', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'api');
    await fixture.source.query(`${ordersTable}; ${extrasTable}`);
    await fixture.source.query(
      "INSERT INTO orders SELECT seq, CONCAT('customer-', seq), seq / 4 FROM seq_1_to_3000; INSERT INTO extras VALUES (1, 'one'), (2, 'two')",
    );
    const document = fixture.configDocument({
      tables: [{ name: 'orders', primary_key: 'id' }],
      sync: { snapshot_chunk_size: 250 },
      server: { auth_token: adminToken, read_only_tokens: [readerToken] },
    });
    const service = await fixture.spawnService(document);
    await waitUntilHealthy(service);
    const base = `http://127.0.0.1:${service.port}`;
    const call = async (method: string, route: string, token?: string, body?: unknown) => {
      const response = await fetch(`${base}${route}`, {
        method,
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        body: text.startsWith('{') ? (JSON.parse(text) as unknown) : text,
      };
    };

    // Auth: none or a wrong token is 401, a read-only token may read but not change.
    expect(await call('GET', '/api/v1/sync/status')).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED' } },
    });
    expect((await call('GET', '/api/v1/sync/status', 'wrong-token-0123456789abcdef')).status).toBe(401);
    const status = await call('GET', '/api/v1/sync/status', readerToken);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ mode: 'local_to_cloud', directions: [{ state: 'streaming' }] });
    expect(await call('POST', '/api/v1/sync/trigger', readerToken, {})).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    });

    // A full sync over HTTP repairs a diverged target; progress arrives over SSE up to 100 %.
    await fixture.target.query(
      'SET SESSION sql_log_bin = 0; DELETE FROM orders WHERE id % 100 = 0; UPDATE orders SET total = 0 WHERE id = 7; SET SESSION sql_log_bin = 1',
    );
    const stream = await openEventStream(`${base}/api/v1/sync/stream`, {
      authorization: `Bearer ${adminToken}`,
    });
    try {
      expect(stream.status).toBe(200);
      const triggered = await call('POST', '/api/v1/sync/trigger', adminToken, { tables: ['orders'] });
      expect(triggered.status).toBe(202);
      const runId = (triggered.body as { runId: string }).runId;
      expect(runId).toMatch(/^[\da-f-]{36}$/);
      const done = await stream.waitFor(
        (event) =>
          event.event === 'run' &&
          (event.data as { progress: { runId: string; state: string } }).progress.state === 'completed',
      );
      const progress = stream.events.filter((event) => event.event === 'progress');
      expect(progress.length).toBeGreaterThan(1);
      expect(progress.at(-1)?.data).toMatchObject({ progress: { runId, percent: 100 } });
      expect(done.data).toMatchObject({
        progress: { runId, rowsChanged: 31, tables: [{ table: 'orders', state: 'done' }] },
      });
      const ids = stream.events.map((event) => Number(event.id));
      expect(ids.every((id, index) => index === 0 || id > (ids[index - 1] ?? 0))).toBe(true);
    } finally {
      stream.close();
    }
    await expectTablesEqual(fixture, 'orders', 'id');

    const history = await call('GET', '/api/v1/sync/history?limit=5', readerToken);
    expect(history).toMatchObject({
      status: 200,
      body: { total: 1, entries: [{ status: 'completed', kind: 'manual', rowsChanged: 31 }] },
    });
    expect((await call('GET', '/api/v1/sync/history?limit=0', readerToken)).status).toBe(400);

    const metrics = await call('GET', '/api/v1/metrics', readerToken);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/mysql_sync_rows_applied_total\{[^}]*table="orders"[^}]*\} \d+/);
    expect(metrics.body).toMatch(/mysql_sync_full_sync_runs_total\{[^}]*status="completed"[^}]*\} 1/);

    // The configuration: secrets redacted; a new table added while running starts syncing.
    const config = await call('GET', '/api/v1/config', readerToken);
    expect(config.status).toBe(200);
    expect(JSON.stringify(config.body)).not.toContain(adminToken);
    expect(config.body).toMatchObject({ restartRequired: [] });
    const edited = structuredClone((config.body as { config: EditedConfig }).config);
    edited.sync.tables.push({ name: 'extras', primary_key: 'id' });
    const invalid = structuredClone(edited);
    invalid.sync.workers = -1;
    const refused = await call('PUT', '/api/v1/config', adminToken, invalid);
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'CONFIG_INVALID' } } });
    expect(JSON.stringify(refused.body)).toContain('sync.workers');
    const changed = await call('PUT', '/api/v1/config', adminToken, edited);
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      applied: expect.arrayContaining(['sync.tables']) as unknown,
      restartRequired: [],
    });
    await eventually(() => expectTablesEqual(fixture, 'extras', 'id'), 30_000);
    await fixture.source.query("INSERT INTO extras VALUES (3, 'three')");
    await eventually(() => expectTablesEqual(fixture, 'extras', 'id'), 30_000);
    await waitUntilHealthy(service);
    // The token still works after the change: the redacted secret kept its value in the file.
    expect((await call('GET', '/api/v1/config', adminToken)).status).toBe(200);

    // A valid document that cannot run (a table the source does not have) is refused; the previous one runs on.
    const shownConfig = async () =>
      ((await call('GET', '/api/v1/config', readerToken)).body as { config: EditedConfig }).config;
    const current = await shownConfig();
    const ghost = structuredClone(current);
    ghost.sync.tables.push({ name: 'ghost', primary_key: 'id' });
    const ghostRefused = await call('PUT', '/api/v1/config', adminToken, ghost);
    expect(ghostRefused).toMatchObject({ status: 400, body: { error: { code: 'CONFIG_INVALID' } } });
    expect(JSON.stringify(ghostRefused.body)).toContain('ghost');
    await waitUntilHealthy(service);
    expect(await shownConfig()).toEqual(current);

    // Databases that cannot be reached answer alike whatever the cause (a closed port, a TLS file that is
    // missing or a directory): the cause is in the service's log under the answer's trace id.
    const closedPort = await findFreePort();
    const unreachable = [
      { port: closedPort },
      { tls: { mode: 'verify_ca', ca_file: '/nonexistent/ca.pem' } },
      { tls: { mode: 'verify_ca', ca_file: '/etc' } },
    ].map((cloud) => {
      const document = structuredClone(current);
      document.databases.cloud = { ...document.databases.cloud, ...cloud };
      return document;
    });
    const answers: string[] = [];
    for (const document of unreachable) {
      const response = await fetch(`${base}/api/v1/config`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(document),
      });
      expect(response.status).toBe(400);
      const traceId = response.headers.get('x-request-id') ?? '';
      answers.push((await response.text()).replaceAll(traceId, '<trace id>'));
      await waitUntilHealthy(service);
      await eventually(() => {
        const logged = service
          .output()
          .split('\n')
          .filter((line) => line.includes(traceId));
        expect(logged.join('\n')).toMatch(/ECONNREFUSED|ENOENT|EISDIR/);
      }, 10_000);
    }
    expect(new Set(answers).size, answers.join('\n')).toBe(1);
    expect(JSON.parse(answers[0] ?? '{}')).toMatchObject({
      error: { code: 'CONFIG_INVALID', details: { problems: [{ path: 'databases.cloud' }] } },
    });

    // Scheduler, logging and server changes show at once (the server one waiting for a restart), and the
    // document read back and saved again changes nothing.
    const tuned = structuredClone(current);
    tuned.scheduler.interval = '*/7 * * * *';
    tuned.logging.level = 'debug';
    tuned.server.read_timeout = '45s';
    expect(await call('PUT', '/api/v1/config', adminToken, tuned)).toMatchObject({
      status: 200,
      body: { applied: ['scheduler.interval', 'logging.level'], restartRequired: ['server.read_timeout'] },
    });
    const afterTuning = await call('GET', '/api/v1/config', readerToken);
    expect(afterTuning.body).toEqual({ config: tuned, restartRequired: ['server.read_timeout'] });
    expect(
      await call('PUT', '/api/v1/config', adminToken, (afterTuning.body as { config: EditedConfig }).config),
    ).toMatchObject({ status: 200, body: { applied: [], restartRequired: [] } });
    expect((await call('GET', '/api/v1/config', readerToken)).body).toEqual(afterTuning.body);
    await fixture.source.query("INSERT INTO extras VALUES (4, 'four')");
    await eventually(() => expectTablesEqual(fixture, 'extras', 'id'), 30_000);

    // Rotating the tokens takes effect with the next request, without a restart.
    const rotated = structuredClone(tuned) as unknown as { server: Record<string, unknown> };
    rotated.server.auth_token = rotatedAdminToken;
    rotated.server.read_only_tokens = [rotatedReaderToken];
    const rotation = await call('PUT', '/api/v1/config', adminToken, rotated);
    expect(rotation).toMatchObject({
      status: 200,
      body: { applied: ['server.auth_token', 'server.read_only_tokens'], restartRequired: [] },
    });
    const statuses = [];
    for (const token of [adminToken, readerToken, rotatedAdminToken, rotatedReaderToken]) {
      statuses.push((await call('GET', '/api/v1/sync/status', token)).status);
    }
    expect(statuses).toEqual([401, 401, 200, 200]);
    expect(await service.kill('SIGTERM')).toBe(0);
  });

  it('lists a conflict stored for a person and resolves it over HTTP, both sides ending as chosen', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'apiconf');
    const itemsTable = 'CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(40) NOT NULL)';
    await fixture.source.query(itemsTable);
    await fixture.target.query(itemsTable);
    await fixture.source.query("INSERT INTO items VALUES (1, 'original'), (2, 'untouched')");
    const document = fixture.configDocument({
      tables: [{ name: 'items', primary_key: 'id', conflict_resolution: 'manual' }],
      sync: { mode: 'bidirectional' },
      server: { auth_token: adminToken, read_only_tokens: [readerToken] },
    });
    const service = await fixture.spawnService(document);
    await waitUntilHealthy(service, 2);
    await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 30_000);
    const base = `http://127.0.0.1:${service.port}`;
    const get = async (route: string) => {
      const response = await fetch(`${base}${route}`, {
        headers: { authorization: `Bearer ${readerToken}` },
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    // The cloud's row changes unseen (binlog off); then the local side changes the same row: when the local
    // change reaches the cloud, its before image no longer matches there.
    await fixture.target.query(
      "SET SESSION sql_log_bin = 0; UPDATE items SET label = 'cloud edit' WHERE id = 1; SET SESSION sql_log_bin = 1",
    );
    await fixture.source.query("UPDATE items SET label = 'local edit' WHERE id = 1");
    let conflictId = '';
    await eventually(async () => {
      const listed = await get('/api/v1/conflicts?resolved=false&table=items');
      expect(listed.status).toBe(200);
      const conflicts = listed.body.conflicts as { id: string; tableName: string }[];
      expect(conflicts).toHaveLength(1);
      conflictId = conflicts[0]?.id ?? '';
    }, 30_000);
    expect((await get(`/api/v1/conflicts/${conflictId}`)).body).toMatchObject({
      id: conflictId,
      resolved: false,
      localData: { id: 1, label: 'local edit' },
      cloudData: { id: 1, label: 'cloud edit' },
    });
    expect((await get('/api/v1/conflicts/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const resolve = (token: string, body: unknown) =>
      fetch(`${base}/api/v1/conflicts/${conflictId}/resolve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await resolve(readerToken, { side: 'cloud' })).status).toBe(403);
    expect((await resolve(adminToken, { side: 'sideways' })).status).toBe(400);
    const resolved = await resolve(adminToken, { side: 'cloud' });
    expect(resolved.status).toBe(200);
    expect(await resolved.json()).toMatchObject({ id: conflictId, resolved: true, resolutionSide: 'cloud' });
    expect((await resolve(adminToken, { side: 'local' })).status).toBe(409);
    await eventually(async () => {
      await expectTablesEqual(fixture, 'items', 'id');
      const rows = await fixture.source.query<{ label: string }>('SELECT label FROM items WHERE id = 1');
      expect(rows).toEqual([{ label: 'cloud edit' }]);
    }, 30_000);
    expect(await service.kill('SIGTERM')).toBe(0);
    // The resolution's marker rows (checkpoint rows without a position) do not stop the next start.
    const restarted = await fixture.spawnService(document);
    await waitUntilHealthy(restarted, 2);
    await fixture.source.query("UPDATE items SET label = 'after restart' WHERE id = 2");
    await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 30_000);
    expect(await restarted.kill('SIGTERM')).toBe(0);
  });
});
