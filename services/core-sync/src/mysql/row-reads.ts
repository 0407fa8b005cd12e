/**
 * How rows of a synced table are read in the canonical form (model/row-change.ts). The driver options every
 * connection uses (connection.ts) give it for every type but the spatial ones: mysql2 parses a spatial value
 * into points, which lose its SRID and its exact type (a LINESTRING and a MULTIPOINT parse alike) and cannot be
 * written back. A table with spatial columns is read with a typeCast that keeps the bytes the server sends
 * instead — the stored value: the SRID (4 bytes, little-endian), then the WKB — which the server takes back as
 * they are. Only such tables get it: a typeCast costs a call for every value read. A query's typeCast replaces
 * the connection's: should the driver options (connection.ts) ever get one, this one must hand the other fields
 * to it.
 */
import type { QueryOptions } from 'mysql2/promise';
import type { TableSchema } from '../model/index.js';

type TypeCastFunction = Extract<NonNullable<QueryOptions['typeCast']>, (...args: never[]) => unknown>;

/** information_schema DATA_TYPE of the spatial types (MySQL 8 spells the collection `geomcollection`). */
const spatialTypes: ReadonlySet<string> = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

const spatialValuesAsBytes: TypeCastFunction = (field, next) =>
  field.type === 'GEOMETRY' ? field.buffer() : next();

export function hasSpatialColumns(table: Pick<TableSchema, 'columns'>): boolean {
  return table.columns.some((column) => spatialTypes.has(column.dataType));
}

/** The query that reads rows of `table` with `sql` in the canonical form. */
export function rowQuery(table: Pick<TableSchema, 'columns'>, sql: string): QueryOptions {
  return hasSpatialColumns(table) ? { sql, typeCast: spatialValuesAsBytes } : { sql };
}
