/**
 * Which character set a collation id of the binlog's table map belongs to, as the source server itself says
 * (information_schema.COLLATIONS): ids differ between MariaDB and MySQL past the old ones (MySQL's 255 is
 * utf8mb4_0900_ai_ci; MariaDB 10.10+ numbers its UCA 14 collations past 2048).
 */
import type { Pool, QueryRow } from '../../mysql/index.js';

export interface CharsetLookup {
  /** Text in this collation is UTF-8 (utf8mb4, utf8mb3) or ASCII, carried as a JavaScript string. */
  isUtf8(collationId: number | null): boolean;
  /** The `binary` pseudo-collation (63): BINARY, VARBINARY and BLOB columns. */
  isBinary(collationId: number | null): boolean;
}

const binaryCollationId = 63;
const unicodeCharsets = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'ascii']);

export function charsetLookup(charsetById: ReadonlyMap<number, string>): CharsetLookup {
  return {
    isUtf8: (collationId) => collationId !== null && unicodeCharsets.has(charsetById.get(collationId) ?? ''),
    isBinary: (collationId) => collationId === binaryCollationId,
  };
}

/** Reads the source server's collations. */
export async function readCharsets(pool: Pool): Promise<CharsetLookup> {
  const [rows] = await pool.query<QueryRow[]>(
    'SELECT ID AS id, CHARACTER_SET_NAME AS charset FROM information_schema.COLLATIONS WHERE ID IS NOT NULL',
  );
  const charsetById = new Map<number, string>();
  for (const row of rows) charsetById.set(Number(row.id), String(row.charset).toLowerCase());
  return charsetLookup(charsetById);
}
