/**
 * Collations for a target table the service creates from the source's definition (`sync.create_missing_tables`),
 * when the target server lacks some of the source's: MariaDB 10.11 has none of MySQL's `utf8mb4_0900_*`
 * collations (MySQL 8's default), MySQL none of MariaDB's NO PAD ones.
 *
 * A collation decides which strings a server calls equal, so on a column of a PRIMARY, UNIQUE or FOREIGN key it
 * decides which rows can exist: under a collation that compares otherwise, rows distinct on the source could
 * collide on the target (and the table pause), or a duplicate the source refuses could exist on the target.
 * - **Same comparison** (`utf8mb4_0900_bin` ↔ `utf8mb4_nopad_bin`: both compare code points, without padding):
 *   used for any column.
 * - **Closest** (`utf8mb4_0900_ai_ci` → `utf8mb4_uca1400_nopad_ai_ci`, UCA 14.0 where MySQL has UCA 9.0, else
 *   `utf8mb4_unicode_520_nopad_ci`; a NO PAD collation → its PAD SPACE twin on MySQL…): these compare some strings
 *   otherwise (characters the two Unicode versions weigh differently, trailing spaces), so they are used only for a
 *   column in no key, where the collation decides how the target sorts and compares in queries, never which rows
 *   exist or what the service writes.
 * - Anything else (a key column with only a closest match, a collation with no match such as MySQL's language
 *   tailorings `utf8mb4_ja_0900_as_cs`) refuses the start with TABLE_COLLATION_UNSUPPORTED, naming the table, the
 *   columns and their collations: the operator creates the table with collations of their choosing.
 */
import { SyncError, driverErrorCode } from '../errors/index.js';
import type { TableSchema } from '../model/index.js';
import type { Pool, QueryRow } from '../mysql/index.js';

/** Pairs that compare every string alike (and sort alike): safe for key columns. */
const sameComparison: ReadonlyMap<string, string> = new Map([
  ['utf8mb4_0900_bin', 'utf8mb4_nopad_bin'],
  ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin'],
]);

/** The closest collations of the other server, best first: for columns in no key. */
const closestComparison: ReadonlyMap<string, readonly string[]> = new Map([
  [
    'utf8mb4_0900_ai_ci',
    ['utf8mb4_uca1400_nopad_ai_ci', 'utf8mb4_unicode_520_nopad_ci', 'utf8mb4_unicode_520_ci'],
  ],
  ['utf8mb4_0900_as_ci', ['utf8mb4_uca1400_nopad_as_ci']],
  ['utf8mb4_0900_as_cs', ['utf8mb4_uca1400_nopad_as_cs']],
  ['utf8mb4_uca1400_ai_ci', ['utf8mb4_0900_ai_ci']],
  ['utf8mb4_uca1400_nopad_ai_ci', ['utf8mb4_0900_ai_ci']],
  ['utf8mb4_uca1400_as_ci', ['utf8mb4_0900_as_ci']],
  ['utf8mb4_uca1400_nopad_as_ci', ['utf8mb4_0900_as_ci']],
  ['utf8mb4_uca1400_as_cs', ['utf8mb4_0900_as_cs']],
  ['utf8mb4_uca1400_nopad_as_cs', ['utf8mb4_0900_as_cs']],
]);

/** MariaDB's NO PAD collations and their PAD SPACE twins (`latin1_nopad_bin` → `latin1_bin`…). */
const noPadTwin = /^([a-z0-9]+)_(general_nopad_ci|unicode_nopad_ci|unicode_520_nopad_ci|nopad_bin)$/;

function closestCandidates(collation: string): readonly string[] {
  const listed = closestComparison.get(collation);
  if (listed !== undefined) return listed;
  const match = noPadTwin.exec(collation);
  if (match?.[1] === undefined || match[2] === undefined) return [];
  return [`${match[1]}_${match[2].replace('nopad_', '')}`];
}

export interface CollationChange {
  readonly column: string | null;
  readonly from: string;
  readonly to: string;
  /** True when the two compare every string alike. */
  readonly sameComparison: boolean;
}

export interface TargetCollations {
  /** Source collation → the target's, for the CREATE TABLE statement (empty when the target has them all). */
  readonly replacements: ReadonlyMap<string, string>;
  /** Each column (and the table's default, column null) whose collation changes. */
  readonly changes: readonly CollationChange[];
}

export interface TargetCollationOptions {
  readonly table: string;
  readonly source: TableSchema;
  readonly sourcePool: Pool;
  readonly sourceDatabase: string;
  readonly targetPool: Pool;
  readonly targetLabel: string;
}

interface TableCollationRow extends QueryRow {
  collation: string | null;
}

/** The collations the target table gets, or TABLE_COLLATION_UNSUPPORTED naming what cannot be mapped soundly. */
export async function planTargetCollations(options: TargetCollationOptions): Promise<TargetCollations> {
  const { table, source, targetPool, targetLabel } = options;
  const tableDefault = await readTableCollation(options.sourcePool, options.sourceDatabase, table);
  const used = new Set(
    source.columns.flatMap((column) => (column.collation === null ? [] : [column.collation])),
  );
  if (tableDefault !== null) used.add(tableDefault);
  const available = new Map<string, boolean>();
  const known = async (collation: string): Promise<boolean> => {
    let answer = available.get(collation);
    if (answer === undefined) {
      answer = await targetKnowsCollation(targetPool, collation, targetLabel);
      available.set(collation, answer);
    }
    return answer;
  };
  const replacements = new Map<string, { to: string; sameComparison: boolean } | null>();
  for (const collation of used) {
    if (await known(collation)) continue;
    replacements.set(collation, await replacementFor(collation, known));
  }
  if (replacements.size === 0) return { replacements: new Map(), changes: [] };

  const keyColumns = keyColumnsOf(source);
  const changes: CollationChange[] = [];
  const problems: string[] = [];
  for (const column of source.columns) {
    if (column.collation === null || !replacements.has(column.collation)) continue;
    const replacement = replacements.get(column.collation) ?? null;
    const key = keyColumns.get(column.name);
    if (replacement === null) {
      problems.push(
        `${column.name} (${column.collation}: ${targetLabel} has no collation that compares like it)`,
      );
    } else if (!replacement.sameComparison && key !== undefined) {
      problems.push(
        `${column.name} (${column.collation}, in ${key}: the closest ${targetLabel} has, ${replacement.to}, compares some strings otherwise, so rows distinct here could collide there)`,
      );
    } else {
      changes.push({ column: column.name, from: column.collation, ...replacement });
    }
  }
  if (tableDefault !== null && replacements.has(tableDefault)) {
    const replacement = replacements.get(tableDefault) ?? null;
    if (replacement === null) {
      problems.push(`the table's default collation ${tableDefault} (${targetLabel} has none like it)`);
    } else {
      changes.push({ column: null, from: tableDefault, ...replacement });
    }
  }
  if (problems.length > 0) {
    throw new SyncError(
      'TABLE_COLLATION_UNSUPPORTED',
      `table ${table} cannot be created on ${targetLabel} with the collations of its columns: ${problems.join('; ')}. ` +
        `Create the table on ${targetLabel} yourself, with collations you choose for these columns, then start again`,
      { details: { table, problems } },
    );
  }
  const mapped = new Map<string, string>();
  for (const [from, replacement] of replacements) if (replacement !== null) mapped.set(from, replacement.to);
  return { replacements: mapped, changes };
}

/** The table's default collation on the source. */
async function readTableCollation(pool: Pool, database: string, table: string): Promise<string | null> {
  try {
    const [rows] = await pool.query<TableCollationRow[]>(
      'SELECT TABLE_COLLATION AS collation FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [database, table],
    );
    return rows[0]?.collation ?? null;
  } catch (error) {
    throw new SyncError(
      'DATABASE_UNAVAILABLE',
      `failed to read the default collation of ${database}.${table}`,
      {
        cause: error,
        details: { database, table },
      },
    );
  }
}

async function replacementFor(
  collation: string,
  known: (collation: string) => Promise<boolean>,
): Promise<{ to: string; sameComparison: boolean } | null> {
  const same = sameComparison.get(collation);
  if (same !== undefined && (await known(same))) return { to: same, sameComparison: true };
  for (const candidate of closestCandidates(collation)) {
    if (await known(candidate)) return { to: candidate, sameComparison: false };
  }
  return null;
}

/** The key each column of a PRIMARY, UNIQUE or FOREIGN key is in (its name, for the message). */
function keyColumnsOf(source: TableSchema): Map<string, string> {
  const keys = new Map<string, string>();
  for (const name of source.primaryKey) keys.set(name, 'the primary key');
  for (const uniqueKey of source.uniqueKeys) {
    // A key on an expression (no columns listed) may compare any column: each counts as in it.
    const names =
      uniqueKey.columns.length === 0
        ? source.columns.map((column) => column.name)
        : uniqueKey.columns.map((column) => column.name);
    for (const name of names) if (!keys.has(name)) keys.set(name, `unique key ${uniqueKey.name}`);
  }
  for (const foreignKey of source.foreignKeys) {
    for (const name of foreignKey.columns)
      if (!keys.has(name)) keys.set(name, `foreign key ${foreignKey.name}`);
  }
  return keys;
}

const unknownCollationCodes = new Set(['ER_UNKNOWN_COLLATION', 'ER_COLLATION_CHARSET_MISMATCH']);

/**
 * Whether the target server has `collation`: tried in a COLLATE clause, which every server version answers (the
 * views differ: MariaDB lists its UCA 14 collations per character set only in
 * COLLATION_CHARACTER_SET_APPLICABILITY). A collation's name starts with its character set's.
 */
async function targetKnowsCollation(pool: Pool, collation: string, targetLabel: string): Promise<boolean> {
  if (!/^[a-z0-9]+_[a-z0-9_]+$/i.test(collation)) return true;
  const characterSet = collation.slice(0, collation.indexOf('_'));
  try {
    await pool.query(`SELECT CONVERT('' USING ${characterSet}) COLLATE ${collation} AS probe`);
    return true;
  } catch (error) {
    const code = driverErrorCode(error);
    if (code !== undefined && unknownCollationCodes.has(code)) return false;
    if (code === 'ER_UNKNOWN_CHARACTER_SET') return false;
    throw new SyncError(
      'DATABASE_UNAVAILABLE',
      `failed to ask ${targetLabel} whether it has collation ${collation}`,
      {
        cause: error,
        details: { collation },
      },
    );
  }
}

/**
 * `statement` with each `COLLATE name` / `COLLATE=name` outside quotes (string literals, quoted identifiers:
 * comments and defaults keep their text) naming a collation of `replacements` changed to its replacement.
 */
export function replaceCollations(statement: string, replacements: ReadonlyMap<string, string>): string {
  if (replacements.size === 0) return statement;
  let result = '';
  let index = 0;
  while (index < statement.length) {
    const character = statement[index] as string;
    if (character === "'" || character === '"' || character === '`') {
      const end = quotedEnd(statement, index);
      result += statement.slice(index, end);
      index = end;
      continue;
    }
    const clause = /^COLLATE(\s*=\s*|\s+)([A-Za-z0-9_]+)/i.exec(statement.slice(index, index + 120));
    const previous = index === 0 ? ' ' : (statement[index - 1] as string);
    if (clause?.[1] !== undefined && clause[2] !== undefined && !/[A-Za-z0-9_$]/.test(previous)) {
      const replacement = replacements.get(clause[2].toLowerCase());
      result += `COLLATE${clause[1]}${replacement ?? clause[2]}`;
      index += clause[0].length;
      continue;
    }
    result += character;
    index += 1;
  }
  return result;
}

/** The index after the quoted text opening at `start` (a doubled quote stays inside; in strings, so does `\x`). */
function quotedEnd(statement: string, start: number): number {
  const quote = statement[start];
  let index = start + 1;
  while (index < statement.length) {
    const character = statement[index];
    if (character === '\\' && quote !== '`') {
      index += 2;
    } else if (character === quote) {
      if (statement[index + 1] !== quote) return index + 1;
      index += 2;
    } else {
      index += 1;
    }
  }
  return statement.length;
}
