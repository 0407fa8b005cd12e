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
  /** The collation string values compare under (`utf8mb4_unicode_ci`, `binary`…); null for non-string columns. */
  readonly collation: string | null;
  /**
   * True for a LONGTEXT column that a CHECK (JSON_VALID(column)) constrains: how MariaDB stores its JSON type
   * (mysql/column-types.ts). Absent otherwise.
   */
  readonly jsonChecked?: boolean;
}

/** One column of an index, with the length of its prefix when only a prefix is indexed. */
export interface IndexKeyColumn {
  readonly name: string;
  /** Indexed prefix (STATISTICS.SUB_PART): characters for text columns, bytes for binary ones; null for the whole value. */
  readonly prefixLength: number | null;
}

/**
 * A UNIQUE index other than the primary key, its columns in index order. An empty column list stands for a key the
 * service cannot compute from column values (a functional key part on MySQL 8): treat it as covering the whole table.
 */
export interface IndexKey {
  readonly name: string;
  readonly columns: readonly IndexKeyColumn[];
}

/** A foreign key of the table whose referenced table is in the same database. */
export interface ForeignKey {
  readonly name: string;
  /** The referencing columns of this table, in constraint order. */
  readonly columns: readonly string[];
  readonly referencedTable: string;
  /** The referenced columns, position for position with `columns`. */
  readonly referencedColumns: readonly string[];
  /** `CASCADE`, `SET NULL`, `RESTRICT`, `NO ACTION` or `SET DEFAULT`, as information_schema spells it. */
  readonly onDelete: string;
  readonly onUpdate: string;
}

/**
 * The period columns of a MariaDB system-versioned table (`WITH SYSTEM VERSIONING`): the server writes them itself
 * (the row's start, and its end: the greatest value while the row is current) and keeps the old versions of every
 * row. They are not among the schema's columns, keys or unique keys: only current rows are synced, and each
 * server keeps its own periods and history.
 */
export interface SystemPeriod {
  /** `row_start` when the table does not name its period columns (they are hidden then). */
  readonly rowStart: string;
  readonly rowEnd: string;
  /**
   * True when the periods are transaction ids (BIGINT UNSIGNED period columns) rather than times: MariaDB logs the
   * changes of such a table as statements, even with binlog_format=ROW, so they cannot be streamed.
   */
  readonly byTransaction: boolean;
}

export interface TableSchema {
  readonly database: string;
  readonly name: string;
  /** In table order. */
  readonly columns: readonly ColumnSchema[];
  /** Primary-key column names in key order. */
  readonly primaryKey: readonly string[];
  /** Every UNIQUE index except the primary key, by index name. */
  readonly uniqueKeys: readonly IndexKey[];
  /** Foreign keys to tables of the same database, by constraint name. */
  readonly foreignKeys: readonly ForeignKey[];
  /** Set for a system-versioned table (MariaDB); absent otherwise. */
  readonly systemPeriod?: SystemPeriod;
}

/** Columns the applier writes: every column except generated ones. */
export function writableColumns(schema: TableSchema): ColumnSchema[] {
  return schema.columns.filter((column) => !column.generated);
}
