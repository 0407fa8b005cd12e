/**
 * The state store's leases (high availability): acquire or renew a named lease for a holder, each step one atomic
 * statement on the store's clock, and release it.
 */
import { invalidArgument, readInteger } from './row-mapping.js';
import type { LeaseState } from './state-store.js';
import type { StoreDriver } from './store-driver.js';

export async function acquireLease(
  driver: StoreDriver,
  name: string,
  holder: string,
  ttlMs: number,
): Promise<LeaseState> {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0)
    throw invalidArgument(`ttlMs must be a positive integer, got ${ttlMs}`);
  const now = driver.nowMillisecondsSql;
  // Each step is one atomic statement: the row lock of the UPDATE decides between replicas racing.
  let held =
    (await driver.execute(
      `${driver.insertIgnoreSql} leases (name, holder, epoch, expires_at_ms, acquired_at_ms) ` +
        `SELECT ?, ?, 1, ${now} + ?, ${now}`,
      [name, holder, ttlMs],
    )) === 1;
  if (!held) {
    held =
      (await driver.execute(
        `UPDATE leases SET expires_at_ms = ${now} + ? WHERE name = ? AND holder = ? AND expires_at_ms > ${now}`,
        [ttlMs, name, holder],
      )) === 1;
  }
  if (!held) {
    held =
      (await driver.execute(
        `UPDATE leases SET holder = ?, epoch = epoch + 1, expires_at_ms = ${now} + ?, acquired_at_ms = ${now} ` +
          `WHERE name = ? AND expires_at_ms <= ${now}`,
        [holder, ttlMs, name],
      )) === 1;
  }
  const [row] = await driver.select('SELECT holder, epoch, expires_at_ms FROM leases WHERE name = ?', [name]);
  if (row === undefined) throw new Error(`the lease ${name} disappeared while being acquired`);
  const current = String(row.holder);
  return {
    name,
    holder: current,
    epoch: readInteger(row, 'epoch'),
    expiresAt: new Date(readInteger(row, 'expires_at_ms')),
    held: held && current === holder,
  };
}

export async function releaseLease(driver: StoreDriver, name: string, holder: string): Promise<void> {
  await driver.execute(
    `UPDATE leases SET expires_at_ms = ${driver.nowMillisecondsSql} WHERE name = ? AND holder = ?`,
    [name, holder],
  );
}
