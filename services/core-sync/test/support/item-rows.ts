/**
 * The `items` table of the load tests: its definition, a row as the test databases return it, reading and
 * inserting rows, the values writers pick (amounts, notes, stamps) and the rows seeded before a contended load.
 */
import type { Random } from './seeded-random.js';
import type { TestDatabase } from './test-database.js';

export const itemsTable = `CREATE TABLE items (
  id INT PRIMARY KEY,
  version INT NOT NULL,
  label VARCHAR(64) NOT NULL,
  amount DECIMAL(12,2) NULL,
  note TEXT NULL,
  updated_at DATETIME(6) NOT NULL
)`;

/** A row of `items` as the test databases return it (DECIMAL and DATETIME as exact text). */
export interface ItemRow {
  readonly id: number;
  readonly version: number;
  readonly label: string;
  readonly amount: string | null;
  readonly note: string | null;
  readonly updated_at: string;
}

export const itemColumns = ['id', 'version', 'label', 'amount', 'note', 'updated_at'] as const;

export function itemValues(row: ItemRow): (string | number | null)[] {
  return itemColumns.map((column) => row[column]);
}

export async function readItems(database: TestDatabase): Promise<Map<number, ItemRow>> {
  const rows = await database.query<ItemRow>(`SELECT ${itemColumns.join(', ')} FROM items ORDER BY id`);
  return new Map(rows.map((row) => [row.id, { ...row }]));
}

export async function insertItems(database: TestDatabase, rows: readonly ItemRow[]): Promise<void> {
  await database.query(`INSERT INTO items (${itemColumns.join(', ')}) VALUES ?`, [rows.map(itemValues)]);
}

/** Values whose binlog and SELECT forms must hash alike: NULL and '', non-ASCII, 4-byte UTF-8, quotes, long text. */
export const itemNotes: readonly (string | null)[] = [
  null,
  '',
  'plain',
  'ünïcödé ñ',
  '😀 four-byte',
  "it's a \\ back'slash",
  'long '.repeat(80),
];

export function randomAmount(random: Random): string | null {
  if (random.below(6) === 0) return null;
  return ((random.next() - 0.3) * 100_000).toFixed(2);
}

/** A DATETIME(6) value `tick` microseconds after 2030-01-01: distinct ticks give distinct, ordered values. */
export function stamp(tick: number): string {
  const date = new Date(Date.UTC(2030, 0, 1) + Math.floor(tick / 1_000));
  const micros = date.getUTCMilliseconds() * 1_000 + (tick % 1_000);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${String(micros).padStart(6, '0')}`;
}

/** The rows 1…count as seeded before a contended load, older than any write of it. */
export function seedRows(count: number): ItemRow[] {
  return Array.from({ length: count }, (_, index) => ({
    id: index + 1,
    version: 0,
    label: `seed ${index + 1}`,
    amount: '0.00',
    note: null,
    updated_at: '2020-01-01 00:00:00.000000',
  }));
}
