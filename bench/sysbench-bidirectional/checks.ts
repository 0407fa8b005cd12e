/**
 * What the benchmark checks after a run, independently of the service: both sides' sysbench tables compared by
 * row count and CHECKSUM TABLE, and again chunk by chunk (pt-table-checksum's CRC32 over 10,000-row key ranges);
 * the heartbeat table compared without its `applied_us` column (each side's trigger stamps it). When a table
 * differs, the differing rows are listed. Also the service's conflict counters, scraped from its metrics endpoint.
 */
import { appliedAtColumn } from '../support/commit-clock.js';
import { tableColumns, walkChunkChecksums, type ChunkWalkResult } from '../support/chunk-checksum.js';
import type { SideHandles } from './prepare.js';
import { diffRows, type RowDiff } from '../support/row-diff.js';
import { compareTable, type TableComparison } from '../support/table-compare.js';
import {
  databases,
  heartbeatTable,
  sysbenchTables,
  timestampColumn,
  type Settings,
  type Side,
} from './settings.js';

export const chunkSize = 10_000;

export interface TableCheck {
  readonly comparison: TableComparison;
  /** Chunk checksums (sysbench tables only). */
  readonly chunks: ChunkWalkResult | undefined;
  /** The differing rows, when the table differs. */
  readonly rowDiff: RowDiff | undefined;
}

export function tableCheckEqual(check: TableCheck): boolean {
  return check.comparison.equal && (check.chunks?.differingChunks ?? 0) === 0;
}

/** Compares every synced table between local (the "source" of the figures) and cloud. */
export async function checkTables(
  handles: Readonly<Record<Side, SideHandles>>,
  settings: Settings,
  options: { readonly chunked: boolean },
): Promise<TableCheck[]> {
  const local = { connection: handles.local.connection, database: databases.local };
  const cloud = { connection: handles.cloud.connection, database: databases.cloud };
  const checks: TableCheck[] = [];
  for (const table of sysbenchTables(settings)) {
    const comparison = await compareTable(local, cloud, table);
    const columns = await tableColumns(local, table);
    const chunks = options.chunked
      ? await walkChunkChecksums({
          reference: local,
          other: cloud,
          table,
          keyColumn: 'id',
          columns,
          chunkSize,
          checksum: 'crc32',
        })
      : undefined;
    const equal = comparison.equal && (chunks?.differingChunks ?? 0) === 0;
    const rowDiff = equal
      ? undefined
      : await diffRows(local, cloud, table, 'id', columns, {
          ignoredColumns: columns.filter((column) => column === timestampColumn),
        });
    checks.push({ comparison, chunks, rowDiff });
  }
  const heartbeats = await compareTable(local, cloud, heartbeatTable, { excludedColumns: [appliedAtColumn] });
  const heartbeatDiff = heartbeats.equal
    ? undefined
    : await diffRows(local, cloud, heartbeatTable, 'id', ['id', 'written_us']);
  checks.push({ comparison: heartbeats, chunks: undefined, rowDiff: heartbeatDiff });
  return checks;
}

/**
 * `mysql_sync_conflicts_total` summed over tables, by `<type>, <resolution>` (the winning side, or pending),
 * read from the service's `GET /api/v1/metrics`.
 */
export async function scrapeConflictMetrics(apiPort: number, token: string): Promise<Record<string, number>> {
  const response = await fetch(`http://127.0.0.1:${apiPort}/api/v1/metrics`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`GET /api/v1/metrics answered ${response.status}`);
  const text = await response.text();
  const counts: Record<string, number> = {};
  const pattern = /^mysql_sync_conflicts_total\{([^}]*)\} (\S+)$/gm;
  for (const match of text.matchAll(pattern)) {
    const labels = new Map(
      [...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((label) => [label[1], label[2]]),
    );
    const value = Number(match[2]);
    if (value === 0) continue;
    const key = `${labels.get('type') ?? '?'}, ${labels.get('resolution') ?? '?'}`;
    counts[key] = (counts[key] ?? 0) + value;
  }
  return counts;
}
