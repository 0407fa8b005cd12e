import type { ColumnValue, Row } from '../model/index.js';

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

const fnvOffsetBasis = 0x811c9dc5;
const fnvPrime = 0x01000193;
const tableKeySeparator = 0x0002;

/**
 * FNV-1a (32 bit) of `table + "\u0002" + keyText`, reduced to a partition index. Checkpoint slots are per
 * partition, so this must give the same index in every release for the same inputs (partitioner.test.ts pins it).
 */
export function partitionFor(table: string, keyText: string, partitionCount: number): number {
  let hash = fnvOffsetBasis;
  for (let index = 0; index < table.length; index += 1) {
    hash = Math.imul(hash ^ table.charCodeAt(index), fnvPrime);
  }
  hash = Math.imul(hash ^ tableKeySeparator, fnvPrime);
  for (let index = 0; index < keyText.length; index += 1) {
    hash = Math.imul(hash ^ keyText.charCodeAt(index), fnvPrime);
  }
  return (hash >>> 0) % partitionCount;
}
