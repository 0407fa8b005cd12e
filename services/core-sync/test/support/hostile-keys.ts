/**
 * Rows whose keys are made of what string escaping gets wrong — backslashes, quotes (alone and escaped either
 * way), LIKE wildcards, NUL, Ctrl-Z, newlines, multibyte letters and random graphemes — and a table to hold them
 * whose key columns compare bytes exactly (no case folding, no pad space), so two generated keys are one row
 * exactly when they are equal strings.
 *
 * Rows are written with server-side prepared statements, whose values mean the same under any sql_mode: the
 * writes of an application on the same server. Rows are read back in full and compared value by value.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { TestDatabase } from './test-database.js';

export interface HostileRow {
  readonly tenant: string;
  readonly name: string;
  readonly note: string | null;
  readonly version: number;
}

/** Where a generated row lives before a repair: on both sides, on both with other values, or on one side. */
export type Placement = 'both' | 'changed' | 'source-only' | 'target-only';

export interface DivergedTables {
  /** The rows the source holds, which the target must end with. */
  readonly source: HostileRow[];
  readonly target: HostileRow[];
}

export const hostileItemsTable = `CREATE TABLE items (
  tenant VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
  name VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
  note TEXT NULL,
  version INT NOT NULL,
  PRIMARY KEY (tenant, name)
)`;

const hostilePieces = [
  '\\',
  "'",
  "\\'",
  '\\\\',
  "''",
  '"',
  '%',
  '_',
  '\0',
  '\n',
  '\u001a',
  '`',
  ' ',
  'a',
  'B',
  'é',
  '表',
  '😀',
];

/** Text built from the pieces escaping gets wrong, or random graphemes. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.array(fc.constantFrom(...hostilePieces), { maxLength: 8 }).map((pieces) => pieces.join('')),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
);

/** Few tenants, so many rows share the first key column and the keyset conditions compare the second. */
const tenantText = fc.constantFrom('', 't', "t'", 't\\', '\\', "'", "\\'", '%', '_', 'é');

const placedRow = fc.record({
  tenant: tenantText,
  name: hostileText,
  note: fc.option(hostileText, { nil: null }),
  placement: fc.constantFrom<Placement>('both', 'changed', 'source-only', 'target-only'),
});

/** A source and a target table that differ in every way a repair must handle, `minRows` to `maxRows` keys. */
export function divergedTablesArbitrary(
  sizes: { readonly minRows?: number; readonly maxRows?: number } = {},
): fc.Arbitrary<DivergedTables> {
  return fc
    .uniqueArray(placedRow, {
      selector: (row) => JSON.stringify([row.tenant, row.name]),
      minLength: sizes.minRows ?? 0,
      maxLength: sizes.maxRows ?? 24,
    })
    .map((rows) => {
      const source: HostileRow[] = [];
      const target: HostileRow[] = [];
      for (const [index, { placement, ...key }] of rows.entries()) {
        const row = { ...key, version: index };
        if (placement !== 'target-only') source.push(row);
        if (placement === 'both' || placement === 'target-only') target.push(row);
        if (placement === 'changed') target.push({ ...row, note: `${row.note ?? ''}\\'`, version: -index });
      }
      return { source, target };
    });
}

/** Replaces the rows of `items`; with `binlog: false` the streams never see it (a silent divergence). */
export async function replaceRows(
  database: TestDatabase,
  rows: readonly HostileRow[],
  options: { readonly binlog: boolean },
): Promise<void> {
  const connection = await database.pool.getConnection();
  try {
    if (!options.binlog) await connection.query('SET SESSION sql_log_bin = 0');
    await connection.query('DELETE FROM items');
    for (let start = 0; start < rows.length; start += 100) {
      const chunk = rows.slice(start, start + 100);
      await connection.execute(
        `INSERT INTO items (tenant, name, note, version) VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')}`,
        chunk.flatMap((row) => [row.tenant, row.name, row.note, row.version]),
      );
    }
  } finally {
    // The session's binlog setting must not reach the pool's next user.
    connection.destroy();
  }
}

function byKeyBytes(left: HostileRow, right: HostileRow): number {
  return (
    Buffer.compare(Buffer.from(left.tenant), Buffer.from(right.tenant)) ||
    Buffer.compare(Buffer.from(left.name), Buffer.from(right.name))
  );
}

/** Every row of `items`, value by value. */
export async function readRows(database: TestDatabase): Promise<HostileRow[]> {
  const rows = await database.query<HostileRow>('SELECT tenant, name, note, version FROM items');
  return rows.map((row) => ({ ...row })).sort(byKeyBytes);
}

/** Asserts `items` holds exactly these rows (any order), showing the rows that differ when it does not. */
export async function expectRows(
  database: TestDatabase,
  expected: readonly HostileRow[],
  label: string,
): Promise<void> {
  expect(await readRows(database), label).toEqual([...expected].sort(byKeyBytes));
}
