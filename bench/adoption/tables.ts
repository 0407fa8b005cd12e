/**
 * The adoption benchmark's tables: four tables with a realistic mix of column types, filled with the same rows on
 * both sides (a restored backup), each from MariaDB's SEQUENCE engine by the same deterministic statements, so
 * the fill costs the benchmark process nothing and both sides end identical (checked with CHECKSUM TABLE).
 *
 * - `orders` (40 % of the rows): the snapshot benchmark's table (orders-table.ts): BIGINT key, VARCHAR, INT,
 *   DECIMAL, DATETIME(6), JSON, TEXT, ENUM, TINYINT, a secondary index; about 300 bytes a row.
 * - `customers` (25 %): INT UNSIGNED key, BINARY(16) with a unique index, VARCHAR, CHAR, DATE and VARCHAR that
 *   are sometimes NULL, BOOLEAN, SET, DECIMAL(14,4), TIMESTAMP(3).
 * - `readings` (25 %): a two-column key (SMALLINT UNSIGNED, INT UNSIGNED), DATETIME(3), FLOAT, DOUBLE (NULL
 *   every 7th row), TINYINT UNSIGNED, BIT(8), TIME, YEAR.
 * - `documents` (10 %): BIGINT UNSIGNED key, VARCHAR, MEDIUMTEXT of 64 to 1,920 characters, BLOB (NULL every
 *   4th row), an ascii CHAR(64), a latin1 VARCHAR, DATETIME, a virtual generated column (left out of every
 *   compare, as the service leaves it out).
 */
import type { Connection } from '../../services/core-sync/src/mysql/index.js';
import { createOrdersTableStatement, fillOrders } from '../support/orders-table.js';

/** The database both servers hold the tables in (the same name on both, as after restoring a backup). */
export const adoptionDatabase = 'adoption_bench';

export interface BenchTable {
  readonly name: string;
  /** As config.yaml names it (`a,b` for a key of two columns). */
  readonly primaryKey: string;
  /** Its part of the rows asked for. */
  readonly share: number;
  readonly columnSummary: string;
  readonly create: string;
  /** Fills the empty table (in the connection's database) with `rowCount` rows. */
  readonly fill: (connection: Connection, rowCount: number) => Promise<void>;
}

/** Rows per INSERT … SELECT statement (one transaction each). */
const fillChunkRows = 50_000;

/** Fills `table` with `rowCount` rows of `selectList` over `seq` = 1…rowCount, in chunks. */
async function fillFromSequence(
  connection: Connection,
  table: string,
  columns: string,
  selectList: string,
  rowCount: number,
): Promise<void> {
  for (let firstId = 1; firstId <= rowCount; firstId += fillChunkRows) {
    const lastId = Math.min(rowCount, firstId + fillChunkRows - 1);
    await connection.query(
      `INSERT INTO \`${table}\` (${columns}) SELECT ${selectList} FROM seq_${firstId}_to_${lastId}`,
    );
  }
}

const customers: BenchTable = {
  name: 'customers',
  primaryKey: 'id',
  share: 0.25,
  columnSummary:
    'INT UNSIGNED key, BINARY(16) unique, VARCHAR, CHAR(2), DATE and VARCHAR sometimes NULL, BOOLEAN, SET, DECIMAL(14,4), TIMESTAMP(3)',
  create: `CREATE TABLE customers (
  id INT UNSIGNED NOT NULL,
  external_id BINARY(16) NOT NULL,
  full_name VARCHAR(100) NOT NULL,
  country CHAR(2) NOT NULL,
  birth_date DATE NULL,
  phone VARCHAR(32) NULL,
  marketing_opt_in BOOLEAN NOT NULL,
  tags SET('vip','newsletter','b2b','churn_risk') NOT NULL,
  balance DECIMAL(14,4) NOT NULL,
  updated_at TIMESTAMP(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_external_id (external_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  fill: (connection, rowCount) =>
    fillFromSequence(
      connection,
      'customers',
      'id, external_id, full_name, country, birth_date, phone, marketing_opt_in, tags, balance, updated_at',
      `seq,
       UNHEX(MD5(CONCAT('customer-', seq))),
       CONCAT(ELT(1 + seq MOD 6, 'Ada', 'Björn', 'Chloé', 'Dmitri', 'Eun-ji', 'Farah'), ' ',
              ELT(1 + seq MOD 5, 'Lovelace', 'Åström', 'Dupont', 'Ivanov', 'Nakamura'), ' ', seq),
       ELT(1 + seq MOD 6, 'DE', 'FR', 'PT', 'NO', 'IT', 'JP'),
       IF(seq MOD 9 = 0, NULL, DATE('1950-01-01') + INTERVAL (seq * 13 MOD 20000) DAY),
       IF(seq MOD 3 = 0, NULL, CONCAT('+49 ', LPAD(seq * 7 MOD 1000000000, 10, '0'))),
       seq MOD 2 = 0,
       (seq MOD 16),
       (seq * 104729 MOD 100000000000) / 10000 - 5000000,
       TIMESTAMP('2023-01-01 00:00:00') + INTERVAL (seq * 61) SECOND + INTERVAL (seq MOD 1000) * 1000 MICROSECOND`,
      rowCount,
    ),
};

const readings: BenchTable = {
  name: 'readings',
  primaryKey: 'sensor_id,reading_no',
  share: 0.25,
  columnSummary:
    'two-column key (SMALLINT UNSIGNED, INT UNSIGNED), DATETIME(3), FLOAT, DOUBLE sometimes NULL, TINYINT UNSIGNED, BIT(8), TIME, YEAR',
  create: `CREATE TABLE readings (
  sensor_id SMALLINT UNSIGNED NOT NULL,
  reading_no INT UNSIGNED NOT NULL,
  recorded_at DATETIME(3) NOT NULL,
  temperature FLOAT NOT NULL,
  pressure DOUBLE NULL,
  battery_percent TINYINT UNSIGNED NOT NULL,
  status_flags BIT(8) NOT NULL,
  uptime TIME NOT NULL,
  installed_year YEAR NOT NULL,
  PRIMARY KEY (sensor_id, reading_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  // 1,000 readings per sensor, in key order.
  fill: (connection, rowCount) =>
    fillFromSequence(
      connection,
      'readings',
      'sensor_id, reading_no, recorded_at, temperature, pressure, battery_percent, status_flags, uptime, installed_year',
      `1 + (seq - 1) DIV 1000,
       (seq - 1) MOD 1000,
       TIMESTAMP('2024-03-01 00:00:00') + INTERVAL (seq * 17) SECOND + INTERVAL (seq MOD 1000) * 1000 MICROSECOND,
       (seq * 7 MOD 6000) / 100 - 20 + 1 / (1 + seq MOD 7),
       IF(seq MOD 7 = 0, NULL, 1013.25 + SIN(seq) * 25),
       seq MOD 101,
       seq MOD 256,
       SEC_TO_TIME(seq * 11 MOD 3000000),
       1971 + seq MOD 60`,
      rowCount,
    ),
};

const documents: BenchTable = {
  name: 'documents',
  primaryKey: 'id',
  share: 0.1,
  columnSummary:
    'BIGINT UNSIGNED key, VARCHAR, MEDIUMTEXT (64–1,920 characters), BLOB sometimes NULL, ascii CHAR(64), latin1 VARCHAR, DATETIME, a virtual generated column',
  create: `CREATE TABLE documents (
  id BIGINT UNSIGNED NOT NULL,
  title VARCHAR(200) NOT NULL,
  body MEDIUMTEXT NOT NULL,
  thumbnail BLOB NULL,
  content_hash CHAR(64) CHARACTER SET ascii NOT NULL,
  language_code VARCHAR(8) CHARACTER SET latin1 NOT NULL,
  created_at DATETIME NOT NULL,
  title_length INT AS (CHAR_LENGTH(title)) VIRTUAL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  fill: (connection, rowCount) =>
    fillFromSequence(
      connection,
      'documents',
      'id, title, body, thumbnail, content_hash, language_code, created_at',
      `seq,
       CONCAT('Document ', seq, ' — ', ELT(1 + seq MOD 4, 'report', 'invoice', 'contract', 'notes')),
       REPEAT(SHA2(CONCAT('body-', seq), 256), 1 + seq MOD 30),
       IF(seq MOD 4 = 0, NULL, UNHEX(REPEAT(MD5(seq), 1 + seq MOD 8))),
       SHA2(CONCAT('document-', seq), 256),
       ELT(1 + seq MOD 5, 'en', 'de', 'fr', 'pt-BR', 'nb'),
       TIMESTAMP('2020-01-01 00:00:00') + INTERVAL (seq * 97) SECOND`,
      rowCount,
    ),
};

const orders: BenchTable = {
  name: 'orders',
  primaryKey: 'id',
  share: 0.4,
  columnSummary:
    'BIGINT key, VARCHAR, INT, DECIMAL(12,2), DATETIME(6), JSON, TEXT sometimes NULL, ENUM, TINYINT, a secondary index',
  create: createOrdersTableStatement('orders'),
  fill: (connection, rowCount) => fillOrders(connection, 'orders', rowCount),
};

/** In the order the service's configuration lists them (and the compares take them). */
export const benchTables: readonly BenchTable[] = [orders, customers, readings, documents];

/** Each table's row count for `totalRows` in all (the last takes what rounding left). */
export function rowCounts(totalRows: number): Map<string, number> {
  const counts = new Map<string, number>();
  let assigned = 0;
  benchTables.forEach((table, index) => {
    const count =
      index === benchTables.length - 1 ? totalRows - assigned : Math.round(totalRows * table.share);
    counts.set(table.name, count);
    assigned += count;
  });
  return counts;
}

/** Creates and fills every table in `connection`'s database (which must be `adoptionDatabase`). */
export async function createAndFill(
  connection: Connection,
  counts: ReadonlyMap<string, number>,
): Promise<void> {
  for (const table of benchTables) {
    await connection.query(table.create);
    await table.fill(connection, counts.get(table.name) ?? 0);
  }
}

/** A set of the tables both contenders take in turn: the service is configured with exactly these. */
export interface Scenario {
  readonly label: string;
  readonly tables: readonly string[];
}

/**
 * All four tables, and the three with a one-column key: MariaDB walks a two-column key's chunks by scanning the
 * whole table for each (the service's row-value range conditions do not use the index there; the report shows
 * the query plans), which makes the walk of `readings` outlast the rest many times over and hides what adoption
 * adds around the walk. The second scenario measures that overhead on a walk that uses the index.
 */
export const scenarios: readonly Scenario[] = [
  { label: 'all four tables', tables: benchTables.map((table) => table.name) },
  {
    label: 'the three tables with a one-column key',
    tables: benchTables.filter((table) => !table.primaryKey.includes(',')).map((table) => table.name),
  },
];
