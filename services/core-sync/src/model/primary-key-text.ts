import type { ColumnValue, Row } from './row-change.js';

/**
 * A stable text key for a row's primary key (`[1,"a"]` style, Buffers as hex), used to group a row's changes and
 * to choose its partition. Equal keys give equal text whatever the value's JS type for the same column.
 */
export function primaryKeyText(row: Row, primaryKey: readonly string[]): string {
  if (primaryKey.length === 1) return valueKeyText(row[primaryKey[0] ?? ''] ?? null);
  const parts: string[] = [];
  for (const column of primaryKey) parts.push(valueKeyText(row[column] ?? null));
  return parts.join('\u0001');
}

function valueKeyText(value: ColumnValue): string {
  if (value === null) return '\u0000';
  if (Buffer.isBuffer(value)) return `x${value.toString('hex')}`;
  return typeof value === 'number' ? `n${value}` : `s${value}`;
}
