import { serverConnectionOf } from './connection.js';
import type { PoolConnection, QueryRow } from './driver-types.js';

/** Per server connection (`serverConnectionOf`). */
const limitsByConnection = new WeakMap<object, number>();

/**
 * The largest packet the server accepts on this connection, its session `max_allowed_packet`: a statement and its
 * parameters must fit in it, or the server drops the connection. Read once per connection; a session keeps the
 * value it started with, so this is exact for the connection (a raised global value reaches new connections).
 */
export async function maxAllowedPacket(connection: PoolConnection): Promise<number> {
  const key = serverConnectionOf(connection);
  const known = limitsByConnection.get(key);
  if (known !== undefined) return known;
  const [rows] = await connection.query<QueryRow[]>(
    'SELECT @@SESSION.max_allowed_packet AS max_allowed_packet',
  );
  const limit = Number(rows[0]?.max_allowed_packet);
  if (!Number.isSafeInteger(limit) || limit <= 0) {
    throw new Error(`the server reported max_allowed_packet = ${String(rows[0]?.max_allowed_packet)}`);
  }
  limitsByConnection.set(key, limit);
  return limit;
}
