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
