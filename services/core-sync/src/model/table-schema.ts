/** A column as the server describes it (information_schema.COLUMNS). */
export interface ColumnSchema {
  readonly name: string;
  /** 1-based position in the table. */
  readonly ordinal: number;
  /** Lower-case base type: `int`, `varchar`, `datetime`, `json`… */
  readonly dataType: string;
  /** Full type: `int(10) unsigned`, `enum('a','b')`, `datetime(6)`… */
  readonly columnType: string;
  readonly nullable: boolean;
  /** True for generated (virtual or stored) columns: never written by the applier. */
  readonly generated: boolean;
  /** True for TIMESTAMP/DATETIME columns with ON UPDATE CURRENT_TIMESTAMP. */
  readonly autoUpdatedTimestamp: boolean;
}

export interface TableSchema {
  readonly database: string;
  readonly name: string;
  /** In table order. */
  readonly columns: readonly ColumnSchema[];
  /** Primary-key column names in key order. */
  readonly primaryKey: readonly string[];
}

/** Columns the applier writes: every column except generated ones. */
export function writableColumns(schema: TableSchema): ColumnSchema[] {
  return schema.columns.filter((column) => !column.generated);
}
