/**
 * A realistic 9-column table (BIGINT key, VARCHAR, INT, DECIMAL(12,2), DATETIME(6), JSON, TEXT, ENUM, TINYINT,
 * one secondary index), filled on the server from MariaDB's SEQUENCE engine so generating a million rows
 * takes seconds and costs the benchmark process nothing. Rows are about 300 bytes, all values vary.
 */
import type { Connection } from '../../services/core-sync/src/mysql/index.js';

export function createOrdersTableStatement(table: string): string {
  return `CREATE TABLE \`${table}\` (
  id BIGINT NOT NULL,
  customer_email VARCHAR(120) NOT NULL,
  quantity INT NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  attributes JSON NOT NULL,
  notes TEXT NULL,
  status ENUM('pending','paid','shipped','delivered','cancelled') NOT NULL,
  is_gift TINYINT NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY idx_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;
}

/** The columns `orderValuesFromSequence` fills, in order (a table may have more, with defaults). */
const orderColumns = 'id, customer_email, quantity, amount, created_at, attributes, notes, status, is_gift';

/** The SELECT list producing one order row from the sequence value `seq`. */
function orderValuesFromSequence(): string {
  return `seq,
    CONCAT('customer', seq MOD 50000, '.', SUBSTRING(MD5(seq), 1, 8), '@example.com'),
    1 + seq MOD 20,
    (seq * 7919 MOD 10000000) / 100,
    TIMESTAMP('2024-01-01 00:00:00') + INTERVAL (seq * 37) SECOND + INTERVAL (seq * 7 MOD 1000000) MICROSECOND,
    JSON_OBJECT('sku', CONCAT('SKU-', seq MOD 9973),
                'tags', JSON_ARRAY(ELT(1 + seq MOD 4, 'new', 'sale', 'gift', 'bulk'), 'web'),
                'weight_kg', (seq MOD 500) / 10,
                'address', JSON_OBJECT('city', ELT(1 + seq MOD 5, 'Berlin', 'Paris', 'Lisbon', 'Oslo', 'Rome'),
                                       'zip', LPAD(seq MOD 99999, 5, '0'))),
    IF(seq MOD 5 = 0, NULL, CONCAT('Order ', seq, ': ', REPEAT(SUBSTRING(MD5(seq), 1, 16), 1 + seq MOD 8))),
    ELT(1 + seq MOD 5, 'pending', 'paid', 'shipped', 'delivered', 'cancelled'),
    seq MOD 11 = 0`;
}

/** Inserts rows with ids `firstId`…`lastId` in one statement (the caller chooses the transaction size). */
export async function insertOrders(
  connection: Connection,
  table: string,
  firstId: number,
  lastId: number,
): Promise<void> {
  await connection.query(
    `INSERT INTO \`${table}\` (${orderColumns}) SELECT ${orderValuesFromSequence()} FROM seq_${firstId}_to_${lastId}`,
  );
}

/** Fills an empty table with ids 1…rowCount in transactions of `chunkRows`. */
export async function fillOrders(
  connection: Connection,
  table: string,
  rowCount: number,
  chunkRows = 50_000,
): Promise<void> {
  for (let firstId = 1; firstId <= rowCount; firstId += chunkRows) {
    await insertOrders(connection, table, firstId, Math.min(rowCount, firstId + chunkRows - 1));
  }
}

export const ordersUpdateStatement = (table: string): string =>
  `UPDATE \`${table}\` SET quantity = quantity + 1, amount = amount + 0.01, status = ELT(1 + (id + quantity) MOD 5, 'pending', 'paid', 'shipped', 'delivered', 'cancelled') WHERE id BETWEEN ? AND ?`;
