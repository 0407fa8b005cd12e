import type { ColumnValue, Row } from '../model/index.js';

/**
 * A stable text key for a row's primary key (`[1,"a"]` style, Buffers as hex), used to group a row's changes and
 * to choose its partition. Equal keys give equal text whatever the value's JS type for the same column.
 */
export function primaryKeyText(row: Row, primaryKey: readonly string[]): string {
  const parts: string[] = [];
  for (const column of primaryKey) parts.push(valueKeyText(row[column] ?? null));
  return parts.join('\u0001');
}

function valueKeyText(value: ColumnValue): string {
  if (value === null) return '\u0000';
  if (Buffer.isBuffer(value)) return `x${value.toString('hex')}`;
  return typeof value === 'number' ? `n${value}` : `s${value}`;
}

/** FNV-1a (32 bit) of the table name and key text, reduced to a partition index. */
export function partitionFor(table: string, keyText: string, partitionCount: number): number {
  let hash = 0x811c9dc5;
  const text = `${table}\u0002${keyText}`;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitionCount;
}
