/**
 * zongji decodes a spatial value into points, which lose its SRID and its exact type (a LINESTRING and a
 * MULTIPOINT decode alike); the canonical form is the bytes the server stores, the SRID (4 bytes) then the WKB
 * (model/row-change.ts). The binlog carries a GEOMETRY value as it carries a BLOB (a length, then the bytes, with
 * the same column metadata), so once a TABLE_MAP event is decoded its spatial columns are marked as binary BLOBs
 * in zongji's table map, which the table's row events that follow are decoded with: zongji then hands over the
 * bytes as a Buffer.
 */
import type { TableMapEntry } from '@vlasky/zongji';

/** MySQL protocol type codes. */
const geometryType = 255;
const blobType = 252;

export function decodeSpatialColumnsAsBytes(tableEntry: TableMapEntry | undefined): void {
  for (const column of tableEntry?.columns ?? []) {
    if (column.type !== geometryType) continue;
    column.type = blobType;
    // A BLOB with a character set decodes as text: these are bytes.
    column.charset = null;
  }
}
