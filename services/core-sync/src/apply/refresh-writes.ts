import type { TableSchema } from '../model/index.js';
import type { PoolConnection } from '../mysql/index.js';
import type { RefreshResolver } from './engine-types.js';
import type { QueuedWrite, RefreshTicket } from './queued-write.js';

/**
 * Replaces a table's full-sync refreshes in a batch by the writes their resolver finds (the source's current
 * rows, read now, inside the batch's transaction); refreshes that need no write disappear, and a refresh followed
 * by a change of the same row in the batch is superseded by that change. Counts each ticket's writes into
 * `refreshWrites`. A batch without refreshes (the stream's usual case) is returned as it is.
 */
export async function resolveRefreshes(
  connection: PoolConnection,
  schema: TableSchema,
  tableWrites: readonly QueuedWrite[],
  refreshWrites: Map<RefreshTicket, number>,
  resolver: RefreshResolver | undefined,
): Promise<readonly QueuedWrite[]> {
  if (!tableWrites.some((item) => item.refresh !== undefined)) return tableWrites;
  if (resolver === undefined) throw new Error('a refresh was queued without a refresh resolver');
  const lastIndexByKey = new Map<string, number>();
  tableWrites.forEach((item, index) => lastIndexByKey.set(item.operation.keyText, index));
  const isLatest = (item: QueuedWrite, index: number): boolean =>
    lastIndexByKey.get(item.operation.keyText) === index;
  const refreshes = tableWrites.filter((item, index) => item.refresh !== undefined && isLatest(item, index));
  const resolved =
    refreshes.length === 0
      ? []
      : await resolver.resolve(
          connection,
          schema,
          refreshes.map((item) => item.operation),
        );
  const resolvedByKey = new Map(resolved.map((operation) => [operation.keyText, operation]));
  const result: QueuedWrite[] = [];
  for (const [index, item] of tableWrites.entries()) {
    if (item.refresh === undefined) {
      result.push(item);
      continue;
    }
    if (!isLatest(item, index)) continue;
    const operation = resolvedByKey.get(item.operation.keyText);
    if (operation === undefined) continue;
    result.push({ ...item, operation });
    refreshWrites.set(item.refresh, (refreshWrites.get(item.refresh) ?? 0) + 1);
  }
  return result;
}
