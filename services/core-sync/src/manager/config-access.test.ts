import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { redactedText, validateConfigDocument, type ServiceConfig } from '../config/index.js';
import { ConfigFileAccess } from './config-access.js';

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

let directory = '';
let filePath = '';

beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'config-access-'));
  filePath = path.join(directory, 'config.yaml');
  await writeFile(filePath, stringifyYaml(fileDocument));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function access(applied: { next: ServiceConfig; changed: readonly string[] }[], failApply = false) {
  let current = validateConfigDocument(fileDocument, 'test', environment);
  return new ConfigFileAccess({
    filePath,
    environment,
    current: () => current,
    logger: pino({ level: 'silent' }),
    applyLive: (next, changed) => {
      if (failApply) return Promise.reject(new Error('the new configuration did not start'));
      applied.push({ next, changed });
      current = next;
      return Promise.resolve();
    },
  });
}

describe('ConfigFileAccess', () => {
  it('shows the running configuration with every secret redacted', () => {
    const shown = access([]).current() as { databases: { local: { password: string; host: string } } };
    expect(shown.databases.local).toMatchObject({ host: 'file-local', password: redactedText });
    expect(JSON.stringify(shown)).not.toMatch(/secret|file-admin-token/);
  });

  it("saves a change without writing the environment's values or any redacted secret into the file", async () => {
    const applied: { next: ServiceConfig; changed: readonly string[] }[] = [];
    const configAccess = access(applied);
    const edited = structuredClone(configAccess.current()) as { sync: { workers: number } };
    edited.sync.workers = 3;
    const result = await configAccess.update(edited, 'admin');
    expect(result).toMatchObject({ applied: ['sync.workers'], restartRequired: [] });
    expect(applied.map((entry) => entry.changed)).toEqual([['sync.workers']]);
    expect(applied[0]?.next.databases.cloud.host).toBe('env-cloud');
    expect(applied[0]?.next.databases.local.password).toBe('env-local-secret');
    const saved = parseYaml(await readFile(filePath, 'utf8')) as typeof fileDocument & {
      sync: { workers: number };
    };
    expect(saved.sync.workers).toBe(3);
    expect(saved.databases.cloud.host).toBe('file-cloud');
    expect(saved.databases.local.password).toBe('file-local-secret');
    expect(saved.databases.cloud.password).toBe('file-cloud-secret');
    expect(saved.server.auth_token).toBe('file-admin-token-0123456789');
    expect(await readdir(directory)).toEqual(['config.yaml']);
  });

  it('refuses an invalid document listing every problem, and changes nothing', async () => {
    const before = await readFile(filePath, 'utf8');
    const configAccess = access([]);
    const edited = structuredClone(configAccess.current()) as {
      sync: { workers: number; batch_insert_size: number };
    };
    edited.sync.workers = -1;
    edited.sync.batch_insert_size = 0;
    await expect(configAccess.update(edited, 'admin')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: {
        problems: expect.arrayContaining([
          expect.objectContaining({ path: 'sync.workers' }),
          expect.objectContaining({ path: 'sync.batch_insert_size' }),
        ]) as unknown,
      },
    });
    expect(await readFile(filePath, 'utf8')).toBe(before);
  });

  it('leaves the file as it was when the new configuration cannot be applied', async () => {
    const before = await readFile(filePath, 'utf8');
    const configAccess = access([], true);
    const edited = structuredClone(configAccess.current()) as { sync: { workers: number } };
    edited.sync.workers = 5;
    await expect(configAccess.update(edited, 'admin')).rejects.toThrow('did not start');
    expect(await readFile(filePath, 'utf8')).toBe(before);
    expect(await readdir(directory)).toEqual(['config.yaml']);
  });
});
