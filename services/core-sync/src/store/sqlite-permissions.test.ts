import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStateStore } from './sqlite-state-store.js';

/** The state store holds whole rows of both databases: nobody but the service's user may read its files. */
describe('the SQLite state store files', () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  function permissions(file: string): string {
    return (statSync(file).mode & 0o777).toString(8);
  }

  it('are created readable by their owner only, the write-ahead log included', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'state-permissions-'));
    directories.push(directory);
    const previousMask = process.umask(0o022);
    try {
      const filePath = path.join(directory, 'nested', 'state.db');
      // Opening migrates the store: the write-ahead log and its shared-memory index exist by then.
      const store = await openSqliteStateStore({ type: 'sqlite', filePath });
      expect({
        directory: permissions(path.dirname(filePath)),
        file: permissions(filePath),
        writeAheadLog: permissions(`${filePath}-wal`),
        sharedMemory: permissions(`${filePath}-shm`),
      }).toEqual({ directory: '700', file: '600', writeAheadLog: '600', sharedMemory: '600' });
      await store.close();
    } finally {
      process.umask(previousMask);
    }
  });

  it('lose the group and world permissions an existing file had', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'state-permissions-'));
    directories.push(directory);
    const filePath = path.join(directory, 'state.db');
    writeFileSync(filePath, '');
    chmodSync(filePath, 0o644);
    const store = await openSqliteStateStore({ type: 'sqlite', filePath });
    expect(permissions(filePath)).toBe('600');
    await store.close();
  });
});
