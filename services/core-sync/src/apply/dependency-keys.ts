/**
 * Dependency keys of row changes, for now the primary key only, by its exact bytes: changes of one row are
 * applied in order, as the key partitions did before. Unique keys, foreign keys and collations come next (the
 * findings of issue 14 that this does not cover yet: rows meeting through a unique key or a case-insensitive key).
 */
import type { Pool } from '../mysql/index.js';
import type { RowChange, TableSchema } from '../model/index.js';
import { primaryKeyText } from './partitioner.js';

export class DependencyKeys {
  readonly #tables: ReadonlyMap<string, TableSchema>;

  private constructor(tables: ReadonlyMap<string, TableSchema>) {
    this.#tables = tables;
  }

  static load(_pool: Pool, tables: Iterable<TableSchema>): Promise<DependencyKeys> {
    return Promise.resolve(new DependencyKeys(new Map([...tables].map((schema) => [schema.name, schema]))));
  }

  withTable(schema: TableSchema): DependencyKeys {
    return new DependencyKeys(new Map(this.#tables).set(schema.name, schema));
  }

  keysOf(change: RowChange, out: string[]): void {
    const schema = this.#tables.get(change.table);
    if (schema === undefined) return;
    for (const image of [change.before, change.after]) {
      if (image !== null) out.push(`${change.table}\u0000${primaryKeyText(image, schema.primaryKey)}`);
    }
  }

  hasForeignKeys(_table: string): boolean {
    return false;
  }
}
