import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactedText } from '../config/index.js';
import { createConfigFileFixture } from './testing/config-file-fixture.js';

const fileDocument = {
  databases: {
    local: { host: 'file-local', user: 'sync', password: 'file-local-secret', database: 'shop' },
    cloud: { host: 'file-cloud', user: 'sync', password: 'file-cloud-secret', database: 'shop' },
  },
  state_storage: { type: 'sqlite', file_path: '/tmp/state.db' },
  sync: { tables: [{ name: 'orders', primary_key: 'id' }] },
  server: { auth_token: 'file-admin-token-0123456789' },
};

/** The environment supplies the cloud host (as Compose would) and the local password. */
const environment = {
  MYSQL_SYNC_DATABASES__CLOUD__HOST: 'env-cloud',
  MYSQL_SYNC_DATABASES__LOCAL__PASSWORD: 'env-local-secret',
};

interface EditableDocument {
  databases: { local: { password: string; host: string }; cloud: { host: string } };
  sync: { workers: number; batch_insert_size: number };
  scheduler: { interval: string; enabled: boolean };
  logging: { level: string };
  server: { read_timeout: string; cors_origins: string[] };
}

describe('ConfigFileAccess', () => {
  it('shows the running configuration with every secret redacted', async () => {
    await using fixture = await createConfigFileFixture(fileDocument, { environment });
    const shown = fixture.shown() as unknown as EditableDocument;
    expect(shown.databases.local).toMatchObject({ host: 'file-local', password: redactedText });
    expect(JSON.stringify(shown)).not.toMatch(/secret|file-admin-token/);
    expect(fixture.restartRequired()).toEqual([]);
  });

  it("saves a change without writing the environment's values or any redacted secret into the file", async () => {
    await using fixture = await createConfigFileFixture(fileDocument, { environment });
    const edited = fixture.shown() as unknown as EditableDocument;
    edited.sync.workers = 3;
    const result = await fixture.access.update(edited, 'admin');
    expect(result).toMatchObject({ applied: ['sync.workers'], restartRequired: [] });
    expect(fixture.applied.map((entry) => entry.changed)).toEqual([['sync.workers']]);
    expect(fixture.applied[0]?.next.databases.cloud.host).toBe('env-cloud');
    expect(fixture.applied[0]?.next.databases.local.password).toBe('env-local-secret');
    const saved = (await fixture.fileDocument()) as typeof fileDocument & { sync: { workers: number } };
    expect(saved.sync.workers).toBe(3);
    expect(saved.databases.cloud.host).toBe('file-cloud');
    expect(saved.databases.local.password).toBe('file-local-secret');
    expect(saved.databases.cloud.password).toBe('file-cloud-secret');
    expect(saved.server.auth_token).toBe('file-admin-token-0123456789');
    expect(await readdir(path.dirname(fixture.filePath))).toEqual(['config.yaml']);
  });

  it('refuses an invalid document listing every problem, and changes nothing', async () => {
    await using fixture = await createConfigFileFixture(fileDocument, { environment });
    const before = await readFile(fixture.filePath, 'utf8');
    const edited = fixture.shown() as unknown as EditableDocument;
    edited.sync.workers = -1;
    edited.sync.batch_insert_size = 0;
    await expect(fixture.access.update(edited, 'admin')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: {
        problems: expect.arrayContaining([
          expect.objectContaining({ path: 'sync.workers' }),
          expect.objectContaining({ path: 'sync.batch_insert_size' }),
        ]) as unknown,
      },
    });
    expect(await readFile(fixture.filePath, 'utf8')).toBe(before);
  });

  it('leaves the file as it was when the new configuration cannot be applied', async () => {
    await using fixture = await createConfigFileFixture(fileDocument, { environment, failApply: true });
    const before = await readFile(fixture.filePath, 'utf8');
    const edited = fixture.shown() as unknown as EditableDocument;
    edited.sync.workers = 5;
    await expect(fixture.access.update(edited, 'admin')).rejects.toThrow('did not start');
    expect(await readFile(fixture.filePath, 'utf8')).toBe(before);
    expect(await readdir(path.dirname(fixture.filePath))).toEqual(['config.yaml']);
    expect((fixture.shown() as unknown as EditableDocument).sync.workers).toBe(8);
  });

  it('shows scheduler, logging and server changes once saved, says which wait for a restart, and a GET→PUT round trip keeps them', async () => {
    await using fixture = await createConfigFileFixture(fileDocument, { environment });
    const edited = fixture.shown() as unknown as EditableDocument;
    edited.scheduler.interval = '*/5 * * * *';
    edited.scheduler.enabled = true;
    edited.logging.level = 'debug';
    edited.server.read_timeout = '45s';
    edited.server.cors_origins = ['https://ui.example.com'];
    expect(await fixture.access.update(edited, 'admin')).toMatchObject({
      applied: ['scheduler.enabled', 'scheduler.interval', 'logging.level'],
      restartRequired: ['server.read_timeout', 'server.cors_origins'],
    });
    const changedValues = {
      scheduler: { enabled: true, interval: '*/5 * * * *' },
      logging: { level: 'debug' },
      server: { read_timeout: '45s', cors_origins: ['https://ui.example.com'] },
    };
    expect(fixture.shown()).toMatchObject(changedValues);
    expect(fixture.restartRequired()).toEqual(['server.read_timeout', 'server.cors_origins']);

    // Sent back as it is, nothing changes: not the file, and nothing is applied again.
    const fileAfterChange = await readFile(fixture.filePath, 'utf8');
    expect(await fixture.access.update(fixture.shown(), 'admin')).toMatchObject({
      applied: [],
      restartRequired: [],
    });
    expect(await readFile(fixture.filePath, 'utf8')).toBe(fileAfterChange);
    expect(fixture.applied).toHaveLength(1);

    // The dashboard's next save (of something else) keeps them.
    const next = fixture.shown() as unknown as EditableDocument;
    next.sync.workers = 3;
    await fixture.access.update(next, 'admin');
    expect(await fixture.fileDocument()).toMatchObject({ ...changedValues, sync: { workers: 3 } });
    expect(fixture.shown()).toMatchObject({ ...changedValues, sync: { workers: 3 } });

    // Changing a key back to what runs takes it off the restart list.
    const reverted = fixture.shown() as unknown as EditableDocument;
    reverted.server.read_timeout = '30s';
    expect(await fixture.access.update(reverted, 'admin')).toMatchObject({
      applied: ['server.read_timeout'],
      restartRequired: [],
    });
    expect(fixture.restartRequired()).toEqual(['server.cors_origins']);
  });
});
