/**
 * Measuring replication lag row by row, with one clock. The load generator records the wall-clock time just
 * after each source COMMIT returns; on the target a BEFORE INSERT trigger stores the server's wall-clock time
 * (SYSDATE(6), the time the row is written, not the statement's start) in `applied_us`. Both servers and the
 * benchmark run on the same machine, so they read the same clock: the offset between Node's clock and the
 * server's is measured (and corrected for) anyway, from the round trip with the smallest latency.
 */
import type { Connection } from '../../services/core-sync/src/mysql/index.js';
import { queryRows } from './servers.js';

/** The column the target's trigger fills; the source leaves it NULL. */
export const appliedAtColumn = 'applied_us';

/** Wall-clock time in microseconds since the epoch, with sub-millisecond precision. */
export function wallClockMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

const serverMicrosExpression = 'CAST(ROUND(UNIX_TIMESTAMP(SYSDATE(6)) * 1000000) AS SIGNED)';

/** Creates the trigger that stamps every row the target receives with the server's clock. */
export async function createAppliedAtTrigger(
  connection: Connection,
  database: string,
  table: string,
): Promise<void> {
  await connection.query(
    `CREATE TRIGGER \`${database}\`.\`${table}_applied_at\` BEFORE INSERT ON \`${database}\`.\`${table}\` ` +
      `FOR EACH ROW SET NEW.${appliedAtColumn} = ${serverMicrosExpression}`,
  );
}

export interface ClockOffset {
  /** Server clock minus Node's clock, microseconds. */
  readonly offsetMicros: number;
  /** Round trip of the best sample: the offset is known to within half of it. */
  readonly roundTripMicros: number;
}

/** Compares the server's clock with Node's over `samples` round trips and keeps the tightest one. */
export async function measureClockOffset(connection: Connection, samples = 50): Promise<ClockOffset> {
  let best: ClockOffset = { offsetMicros: 0, roundTripMicros: Number.POSITIVE_INFINITY };
  for (let sample = 0; sample < samples; sample += 1) {
    const sentAt = wallClockMicros();
    const rows = await queryRows(connection, `SELECT ${serverMicrosExpression} AS now_us`);
    const receivedAt = wallClockMicros();
    const roundTripMicros = receivedAt - sentAt;
    if (roundTripMicros < best.roundTripMicros) {
      best = { offsetMicros: Number(rows[0]?.now_us) - (sentAt + receivedAt) / 2, roundTripMicros };
    }
  }
  return best;
}
