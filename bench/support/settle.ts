/**
 * Lets a server finish the background work a bulk load leaves behind (flushing dirty pages) before the next
 * measurement starts, so one contender does not pay for the previous one's writes.
 */
import type { Connection } from '../../services/core-sync/src/mysql/index.js';
import { globalStatus, queryRows } from './servers.js';
import { sleep } from './stats.js';

/** Dirty pages below this count as settled (16 MB of 16 KiB pages). */
const settledDirtyPages = 1_000;

/**
 * Flushes dirty pages (temporarily asking InnoDB for none, at a high I/O capacity); returns how long it took
 * (ms). The settings are restored afterwards.
 */
export async function settleServer(connection: Connection, timeoutMs = 90_000): Promise<number> {
  const startedAt = performance.now();
  const [settings] = await queryRows(
    connection,
    'SELECT @@GLOBAL.innodb_max_dirty_pages_pct AS dirty_pct, @@GLOBAL.innodb_io_capacity AS capacity, ' +
      '@@GLOBAL.innodb_io_capacity_max AS capacity_max',
  );
  await connection.query('SET GLOBAL innodb_io_capacity_max = 100000');
  await connection.query('SET GLOBAL innodb_io_capacity = 50000');
  await connection.query('SET GLOBAL innodb_max_dirty_pages_pct = 0');
  try {
    while (performance.now() - startedAt < timeoutMs) {
      const status = await globalStatus(connection, ['Innodb_buffer_pool_pages_dirty']);
      if ((status.get('innodb_buffer_pool_pages_dirty') ?? 0) < settledDirtyPages) break;
      await sleep(250);
    }
  } finally {
    await connection.query('SET GLOBAL innodb_max_dirty_pages_pct = ?', [Number(settings?.dirty_pct ?? 90)]);
    await connection.query('SET GLOBAL innodb_io_capacity = ?', [Number(settings?.capacity ?? 200)]);
    await connection.query('SET GLOBAL innodb_io_capacity_max = ?', [Number(settings?.capacity_max ?? 2000)]);
  }
  return performance.now() - startedAt;
}
