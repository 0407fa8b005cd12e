import type { PreparedXaStatus } from '../binlog/index.js';
import type { PreparedXaView } from '../status/index.js';

/** The status view of the source's prepared XA transactions, with the oldest one's age at `now`. */
export function preparedXaView(status: PreparedXaStatus, now = Date.now()): PreparedXaView {
  const preparedAt = status.oldestPreparedAt;
  return {
    count: status.count,
    oldestXid: status.oldestXid,
    oldestPreparedAt: preparedAt === null ? null : new Date(preparedAt).toISOString(),
    oldestAgeMs: preparedAt === null ? null : Math.max(0, now - preparedAt),
    restartPosition: status.restartPosition?.toString() ?? null,
  };
}
