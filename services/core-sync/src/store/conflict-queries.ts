/**
 * The state store's queries on the conflicts table: record, save while open, update one side's row, read, list
 * by filter and page, and mark resolved (once).
 */
import {
  conflictColumns,
  conflictFromRow,
  conflictParameters,
  encodeJson,
  readInteger,
  type SqlParameter,
} from './row-mapping.js';
import type { ConflictFilter, ConflictRecord, ConflictResolution } from './state-store.js';
import { insertSql, pageParameters, type StoreDriver } from './store-driver.js';

const selectConflicts = `SELECT ${conflictColumns.join(', ')} FROM conflicts`;

export async function insertConflict(driver: StoreDriver, conflict: ConflictRecord): Promise<void> {
  await driver.execute(
    insertSql('conflicts', conflictColumns),
    conflictParameters(conflict, driver.timestamps),
  );
}

export async function saveConflict(driver: StoreDriver, conflict: ConflictRecord): Promise<void> {
  const [existing] = await driver.select('SELECT resolved FROM conflicts WHERE id = ?', [conflict.id]);
  if (existing === undefined) {
    await driver.execute(
      insertSql('conflicts', conflictColumns),
      conflictParameters(conflict, driver.timestamps),
    );
    return;
  }
  if (readInteger(existing, 'resolved') === 1) return;
  await driver.execute(
    `UPDATE conflicts SET ${conflictColumns
      .filter((column) => column !== 'id')
      .map((column) => `${column} = ?`)
      .join(', ')} WHERE id = ? AND resolved = 0`,
    [...conflictParameters(conflict, driver.timestamps).slice(1), conflict.id],
  );
}

export async function updateConflictData(
  driver: StoreDriver,
  id: string,
  side: 'local' | 'cloud',
  data: unknown,
): Promise<void> {
  const column = side === 'local' ? 'local_data' : 'cloud_data';
  await driver.execute(`UPDATE conflicts SET ${column} = ? WHERE id = ? AND resolved = 0`, [
    encodeJson(data),
    id,
  ]);
}

export async function getConflict(driver: StoreDriver, id: string): Promise<ConflictRecord | undefined> {
  const [row] = await driver.select(`${selectConflicts} WHERE id = ?`, [id]);
  return row === undefined ? undefined : conflictFromRow(row, driver.timestamps);
}

export async function listConflicts(
  driver: StoreDriver,
  filter: ConflictFilter,
): Promise<{ conflicts: ConflictRecord[]; total: number }> {
  const conditions: string[] = [];
  const parameters: SqlParameter[] = [];
  if (filter.resolved !== undefined) {
    conditions.push('resolved = ?');
    parameters.push(filter.resolved ? 1 : 0);
  }
  if (filter.tableName !== undefined) {
    conditions.push('table_name = ?');
    parameters.push(filter.tableName);
  }
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  const rows = await driver.select(
    `${selectConflicts}${where} ORDER BY detected_at DESC, id DESC LIMIT ? OFFSET ?`,
    [...parameters, ...pageParameters(filter)],
  );
  const [countRow] = await driver.select(`SELECT COUNT(*) AS total FROM conflicts${where}`, parameters);
  return {
    conflicts: rows.map((row) => conflictFromRow(row, driver.timestamps)),
    total: countRow === undefined ? 0 : readInteger(countRow, 'total'),
  };
}

/** True when this call resolved it; false when it was resolved already (or does not exist). */
export async function markConflictResolved(
  driver: StoreDriver,
  id: string,
  resolution: ConflictResolution,
): Promise<boolean> {
  const changedRows = await driver.execute(
    'UPDATE conflicts SET resolved = 1, resolution_strategy = ?, resolved_at = ?, resolved_data = ?, ' +
      'resolved_by = ?, resolution_side = ?, resolution_columns = ? WHERE id = ? AND resolved = 0',
    [
      resolution.strategy,
      driver.timestamps.encode(resolution.resolvedAt),
      encodeJson(resolution.resolvedData),
      resolution.resolvedBy,
      resolution.resolutionSide ?? null,
      encodeJson(resolution.resolutionColumns),
      id,
    ],
  );
  return changedRows === 1;
}
