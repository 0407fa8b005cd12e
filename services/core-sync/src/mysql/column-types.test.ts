import { describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../model/index.js';
import { comparableColumnType, sameColumnType, typeMismatchHint } from './column-types.js';

function column(columnType: string, extra: Partial<ColumnSchema> = {}): ColumnSchema {
  return {
    name: 'doc',
    ordinal: 2,
    dataType: columnType.replace(/[( ].*/, ''),
    columnType,
    nullable: true,
    generated: false,
    autoUpdatedTimestamp: false,
    collation: null,
    ...extra,
  };
}

describe('column types across MariaDB and MySQL', () => {
  it('reads the names each server gives the same type alike', () => {
    const pairs: [string, string][] = [
      ['int(11)', 'int'],
      ['bigint(20) unsigned', 'bigint unsigned'],
      ['tinyint(4)', 'tinyint'],
      ['year(4)', 'year'],
      ['geometrycollection', 'geomcollection'],
    ];
    for (const [mariadbType, mysqlType] of pairs) {
      expect(comparableColumnType(mariadbType), mariadbType).toBe(comparableColumnType(mysqlType));
    }
  });

  it('keeps what tells types apart', () => {
    const differing: [string, string][] = [
      ['int', 'bigint'],
      ['int unsigned', 'int'],
      ['year', 'smallint'],
      ['decimal(10,2)', 'decimal(10,3)'],
      ['varchar(20)', 'varchar(21)'],
      ["enum('a','b')", "enum('a','c')"],
      ['datetime(6)', 'datetime'],
    ];
    for (const [left, right] of differing) {
      expect(comparableColumnType(left), `${left} vs ${right}`).not.toBe(comparableColumnType(right));
    }
  });

  it("matches MySQL's JSON with a LONGTEXT only when a JSON_VALID check constrains it", () => {
    const json = column('json');
    const checkedText = column('longtext', { jsonChecked: true, collation: 'utf8mb4_bin' });
    const plainText = column('longtext', { collation: 'utf8mb4_bin' });
    expect(sameColumnType(json, checkedText)).toBe(true);
    expect(sameColumnType(checkedText, json)).toBe(true);
    expect(sameColumnType(json, plainText)).toBe(false);
    expect(sameColumnType(plainText, json)).toBe(false);
    // Constraints are not compared: a LONGTEXT with and one without the check are the same type, as before.
    expect(sameColumnType(checkedText, plainText)).toBe(true);
    expect(typeMismatchHint(json, plainText)).toContain('CHECK (JSON_VALID(`doc`))');
    expect(typeMismatchHint(column('int'), column('bigint'))).toBe('');
  });

  it('needs the same character set on both sides for text carried as bytes (any set but UTF-8)', () => {
    const text = (collation: string): ColumnSchema => column('varchar(20)', { collation });
    expect(sameColumnType(text('latin1_swedish_ci'), text('latin1_bin'))).toBe(true);
    expect(sameColumnType(text('utf8mb4_unicode_ci'), text('utf8mb3_general_ci'))).toBe(true);
    expect(sameColumnType(text('latin1_swedish_ci'), text('utf8mb4_unicode_ci'))).toBe(false);
    expect(sameColumnType(text('utf8mb4_0900_ai_ci'), text('sjis_japanese_ci'))).toBe(false);
    expect(sameColumnType(text('cp932_japanese_ci'), text('sjis_japanese_ci'))).toBe(false);
    expect(typeMismatchHint(text('latin1_swedish_ci'), text('utf8mb4_bin'))).toContain(
      'character set latin1 vs utf8mb4',
    );
  });
});
