/**
 * WRITESET-style dependency keys of row changes (like MySQL's binlog_transaction_dependency_tracking=WRITESET):
 * two changes whose key sets meet must be applied in source order; changes with disjoint key sets may run in
 * parallel. A change's keys, for its before and its after image:
 * - the primary key and every unique key (prefix keys on their prefix; a key with a NULL part is skipped: NULLs
 *   never collide in a unique index);
 * - for each of its foreign keys to a loaded table, the parent's key it references;
 * - for each column set of its table that another table's foreign key references, that key.
 *
 * A key is the table, the set of columns (with prefixes) and the values, folded so that values the target
 * server calls equal give equal keys: strings under their column's collation (collation-folds.ts), numbers and
 * other strings by their canonical text (so an INT child and a BIGINT parent holding 7 agree), Buffers by their
 * bytes (a Buffer in a column with a text collation, non-UTF-8 text, by one coarse key). Columns are taken in name order, so a foreign key listing the parent's primary-key columns in another
 * order still meets the parent's primary key. A child's reference is folded under the parent's column
 * collations, so it equals the parent's own key. Keys are 64-bit hashes (16 hex characters): a collision only
 * adds a dependency.
 *
 * Over-approximations (sound, cost parallelism only): generated columns and unique keys with a functional part
 * (the key is the whole table), prefixes, the coarse fold of unloaded or unsafe collations, a column absent from
 * the row (one value for all such rows). Foreign keys to tables that are not loaded give no key: those parents are
 * not written by the applier.
 */
import type { Pool } from '../mysql/index.js';
import type { ColumnSchema, ColumnValue, Row, RowChange, TableSchema } from '../model/index.js';
import { CollationFolds, type StringFold } from './collation-folds.js';
import { KeyHasher, keyMarkers } from './key-hasher.js';

type PartKind = 'folded' | 'plain' | 'anyValue';

interface KeyPart {
  readonly column: string;
  readonly kind: PartKind;
  /** For folded parts. */
  readonly fold: StringFold | null;
  readonly prefixLength: number | null;
}

/** One key of one table: its parts in column-name order and the hash state after its identity. */
interface KeyDefinition {
  readonly identity: string;
  readonly parts: readonly KeyPart[];
  readonly seedOne: number;
  readonly seedTwo: number;
  readonly seedLength: number;
}

/** A foreign key's reference: the parent's key, and for each of its parts the child column that holds the value. */
interface KeyReference {
  readonly definition: KeyDefinition;
  readonly childColumns: readonly string[];
}

/** What one table's changes contribute. */
interface TablePlan {
  /** Primary key, unique keys, column sets referenced by foreign keys: read from the row itself. */
  readonly ownKeys: readonly KeyDefinition[];
  readonly references: readonly KeyReference[];
  /** The whole-table key, when a unique key cannot be computed from the row. */
  readonly tableKey: string | null;
  readonly hasForeignKeys: boolean;
}

function tableWideKey(hasher: KeyHasher, table: string): string {
  hasher.reset();
  hasher.addText(`${table}\u0000*`);
  return hasher.digest();
}

export class DependencyKeys {
  readonly #tables: ReadonlyMap<string, TableSchema>;
  readonly #folds: CollationFolds;
  readonly #plans: ReadonlyMap<string, TablePlan>;
  readonly #hasher = new KeyHasher();
  /** Keys already appended for the change being keyed, to skip repeats (an update that keeps its key). */
  #changeStart = 0;

  constructor(tables: Iterable<TableSchema>, folds: CollationFolds) {
    this.#tables = new Map([...tables].map((schema) => [schema.name, schema]));
    this.#folds = folds;
    this.#plans = buildPlans(this.#tables, folds, this.#hasher);
  }

  /** Reads the folds of every collation the tables' keys use from the server (the target), and plans the keys. */
  static async load(pool: Pool, tables: Iterable<TableSchema>): Promise<DependencyKeys> {
    const schemas = [...tables];
    const collations = new Set<string>();
    for (const schema of schemas) {
      const keyColumns = new Set([
        ...schema.primaryKey,
        ...schema.uniqueKeys.flatMap((key) => key.columns.map((column) => column.name)),
        ...schema.foreignKeys.flatMap((foreignKey) => foreignKey.columns),
      ]);
      for (const other of schemas) {
        for (const foreignKey of other.foreignKeys) {
          if (foreignKey.referencedTable === schema.name)
            foreignKey.referencedColumns.forEach((name) => keyColumns.add(name));
        }
      }
      for (const column of schema.columns) {
        if (keyColumns.has(column.name) && column.collation !== null) collations.add(column.collation);
      }
    }
    return new DependencyKeys(schemas, await CollationFolds.load(pool, collations));
  }

  /** A copy with one table's schema replaced (after a DDL); collations not loaded fall back to the coarse fold. */
  withTable(schema: TableSchema): DependencyKeys {
    const tables = new Map(this.#tables);
    tables.set(schema.name, schema);
    return new DependencyKeys(tables.values(), this.#folds);
  }

  /**
   * Appends to `out` the keys of one row change: for its before and after images, the primary key, every unique
   * key, the parent keys its foreign keys reference, and the column sets of this table that other tables' foreign
   * keys reference. A key with a NULL part is skipped. A table that is not loaded gets one whole-table key.
   */
  keysOf(change: RowChange, out: string[]): void {
    this.#changeStart = out.length;
    const plan = this.#plans.get(change.table);
    if (plan === undefined) {
      this.#append(out, tableWideKey(this.#hasher, change.table));
      return;
    }
    if (plan.tableKey !== null) this.#append(out, plan.tableKey);
    if (change.before !== null) this.#keysOfImage(plan, change.before, out);
    if (change.after !== null) this.#keysOfImage(plan, change.after, out);
  }

  /** True when the table is the child or the parent of a foreign key among the loaded tables. */
  hasForeignKeys(table: string): boolean {
    return this.#plans.get(table)?.hasForeignKeys ?? false;
  }

  #keysOfImage(plan: TablePlan, row: Row, out: string[]): void {
    for (const definition of plan.ownKeys) {
      const key = this.#keyOf(definition, row, null);
      if (key !== null) this.#append(out, key);
    }
    for (const reference of plan.references) {
      const key = this.#keyOf(reference.definition, row, reference.childColumns);
      if (key !== null) this.#append(out, key);
    }
  }

  /** The key of `definition` over `row` (reading `columns[i]` for part i when given); null when a part is NULL. */
  #keyOf(definition: KeyDefinition, row: Row, columns: readonly string[] | null): string | null {
    const hasher = this.#hasher;
    hasher.reset(definition.seedOne, definition.seedTwo, definition.seedLength);
    const parts = definition.parts;
    for (let index = 0; index < parts.length; index += 1) {
      const part = parts[index] as KeyPart;
      const value: ColumnValue | undefined = row[columns === null ? part.column : (columns[index] ?? '')];
      if (value === null) return null;
      if (value === undefined || part.kind === 'anyValue') hasher.add(keyMarkers.anyValue);
      else addValue(hasher, part, value);
    }
    return hasher.digest();
  }

  #append(out: string[], key: string): void {
    for (let index = this.#changeStart; index < out.length; index += 1) if (out[index] === key) return;
    out.push(key);
  }
}

function addValue(hasher: KeyHasher, part: KeyPart, value: string | number | Buffer): void {
  if (typeof value === 'string') {
    if (part.fold !== null) {
      hasher.add(keyMarkers.folded);
      part.fold.foldInto(hasher, value, part.prefixLength);
    } else {
      hasher.add(keyMarkers.text);
      hasher.addText(part.prefixLength === null ? value : [...value].slice(0, part.prefixLength).join(''));
    }
  } else if (typeof value === 'number') {
    hasher.add(keyMarkers.text);
    hasher.addText(String(value));
  } else if (part.fold !== null) {
    // Text in a character set that is not UTF-8 arrives as its bytes (binlog/decoder/column-values.ts); the
    // collation's equal values can differ in bytes ('a' and 'A'), so every such value gets one key: coarse, sound.
    hasher.add(keyMarkers.anyValue);
  } else {
    hasher.add(keyMarkers.bytes);
    const end = part.prefixLength === null ? value.length : Math.min(value.length, part.prefixLength);
    for (let index = 0; index < end; index += 1) hasher.add(value[index] ?? 0);
  }
  hasher.add(keyMarkers.valueEnd);
}

/** Builds every table's plan; key definitions are shared by identity, so references meet the keys they name. */
function buildPlans(
  tables: ReadonlyMap<string, TableSchema>,
  folds: CollationFolds,
  hasher: KeyHasher,
): Map<string, TablePlan> {
  const definitions = new Map<string, KeyDefinition>();
  const define = (schema: TableSchema, columns: readonly { name: string; prefixLength: number | null }[]) =>
    keyDefinition(schema, columns, folds, hasher, definitions);
  const referencedSets = new Map<string, string[][]>();
  for (const schema of tables.values()) {
    for (const foreignKey of schema.foreignKeys) {
      if (!tables.has(foreignKey.referencedTable)) continue;
      const sets = referencedSets.get(foreignKey.referencedTable) ?? [];
      sets.push([...foreignKey.referencedColumns]);
      referencedSets.set(foreignKey.referencedTable, sets);
    }
  }
  const plans = new Map<string, TablePlan>();
  for (const schema of tables.values()) {
    const wholeColumns = (names: readonly string[]) => names.map((name) => ({ name, prefixLength: null }));
    const ownKeys = new Map<string, KeyDefinition>();
    const addOwn = (definition: KeyDefinition) => ownKeys.set(definition.identity, definition);
    if (schema.primaryKey.length > 0) addOwn(define(schema, wholeColumns(schema.primaryKey)));
    for (const uniqueKey of schema.uniqueKeys) {
      if (uniqueKey.columns.length > 0) addOwn(define(schema, uniqueKey.columns));
    }
    for (const columns of referencedSets.get(schema.name) ?? [])
      addOwn(define(schema, wholeColumns(columns)));
    const references: KeyReference[] = [];
    for (const foreignKey of schema.foreignKeys) {
      const parent = tables.get(foreignKey.referencedTable);
      if (parent === undefined) continue;
      const definition = define(parent, wholeColumns(foreignKey.referencedColumns));
      const childOf = new Map(
        foreignKey.referencedColumns.map((name, index) => [name, foreignKey.columns[index] ?? name]),
      );
      references.push({
        definition,
        childColumns: definition.parts.map((part) => childOf.get(part.column) ?? part.column),
      });
    }
    const functionalKey = schema.uniqueKeys.some((uniqueKey) => uniqueKey.columns.length === 0);
    plans.set(schema.name, {
      ownKeys: [...ownKeys.values()],
      references,
      tableKey: functionalKey ? tableWideKey(hasher, schema.name) : null,
      hasForeignKeys: references.length > 0 || (referencedSets.get(schema.name)?.length ?? 0) > 0,
    });
  }
  return plans;
}

function keyDefinition(
  schema: TableSchema,
  columns: readonly { name: string; prefixLength: number | null }[],
  folds: CollationFolds,
  hasher: KeyHasher,
  definitions: Map<string, KeyDefinition>,
): KeyDefinition {
  const sorted = [...columns].sort((left, right) =>
    left.name === right.name
      ? (left.prefixLength ?? 0) - (right.prefixLength ?? 0)
      : left.name < right.name
        ? -1
        : 1,
  );
  const identity = [
    schema.name,
    ...sorted.map((column) => `${column.name}\u0001${column.prefixLength ?? ''}`),
  ].join('\u0000');
  const known = definitions.get(identity);
  if (known !== undefined) return known;
  const columnsByName = new Map(schema.columns.map((column) => [column.name, column]));
  const parts = sorted.map((column) =>
    keyPart(columnsByName.get(column.name), column.name, column.prefixLength, folds),
  );
  hasher.reset();
  hasher.addText(identity);
  const definition = {
    identity,
    parts,
    seedOne: hasher.laneOne,
    seedTwo: hasher.laneTwo,
    seedLength: hasher.length,
  };
  definitions.set(identity, definition);
  return definition;
}

function keyPart(
  column: ColumnSchema | undefined,
  name: string,
  prefixLength: number | null,
  folds: CollationFolds,
): KeyPart {
  if (column === undefined || column.generated)
    return { column: name, kind: 'anyValue', fold: null, prefixLength };
  if (column.collation === null || column.collation === 'binary') {
    return { column: name, kind: 'plain', fold: null, prefixLength };
  }
  return { column: name, kind: 'folded', fold: folds.foldFor(column.collation), prefixLength };
}
