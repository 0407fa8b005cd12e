import { describe, expect, it } from 'vitest';
import type { ColumnSchema, TableSchema } from '../model/index.js';
import { enumMembers, holdsInvalidEnumValue, invalidEnumColumns } from './invalid-enum-values.js';

function column(name: string, dataType: string, columnType: string): ColumnSchema {
  return {
    name,
    ordinal: 1,
    dataType,
    columnType,
    nullable: true,
    generated: false,
    autoUpdatedTimestamp: false,
    collation: null,
  };
}

describe('invalid ENUM values', () => {
  it('reads the members of an ENUM type, quotes doubled', () => {
    expect(enumMembers("enum('shop','park')")).toEqual(['shop', 'park']);
    expect(enumMembers("enum('','x')")).toEqual(['', 'x']);
    expect(enumMembers("enum('it''s','a,b','(c)','')")).toEqual(["it's", 'a,b', '(c)', '']);
    expect(enumMembers("enum('''')")).toEqual(["'"]);
  });

  it('finds the ENUM columns whose empty string can only be the invalid value', () => {
    const schema: TableSchema = {
      database: 'shop',
      name: 'items',
      columns: [
        column('id', 'int', 'int(11)'),
        column('kind', 'enum', "enum('shop','park')"),
        column('spare', 'enum', "enum('','x')"),
        column('quoted', 'enum', "enum('''','x')"),
        column('tags', 'set', "set('a','b')"),
      ],
      primaryKey: ['id'],
      uniqueKeys: [],
      foreignKeys: [],
    };
    const columns = invalidEnumColumns(schema);
    expect(columns).toEqual(['kind', 'quoted']);
    expect(invalidEnumColumns(schema)).toBe(columns);
    expect(holdsInvalidEnumValue({ id: 1, kind: '', spare: '' }, columns)).toBe(true);
    expect(holdsInvalidEnumValue({ id: 1, kind: 'shop', spare: '', tags: '' }, columns)).toBe(false);
  });
});
