/**
 * Lag measured with heartbeat rows while another load runs: a writer inserts one row every 100 ms on the side the
 * changes come from; they travel the same binlog stream and apply queues as the load's rows, and the receiving
 * side's BEFORE INSERT trigger (commit-clock.ts) stamps each with the time it was written there. A heartbeat's lag
 * is that stamp minus the time its INSERT returned, less the receiving server's clock offset from Node's.
 */
import type { Connection } from '../../services/core-sync/src/mysql/index.js';
import { appliedAtColumn, wallClockMicros, type ClockOffset } from './commit-clock.js';
import { queryRows } from './servers.js';
import { sleep } from './stats.js';

export const heartbeatIntervalMs = 100;

/** A heartbeat table in one database. */
export interface HeartbeatTable {
  readonly connection: Connection;
  readonly database: string;
  readonly table: string;
}

export interface Heartbeat {
  readonly id: number;
  readonly committedAtMicros: number;
  /** Milliseconds since the load started. */
  readonly atMs: number;
}

export interface HeartbeatLag {
  /** Milliseconds since the load started, when the heartbeat was written. */
  readonly atMs: number;
  readonly lagMs: number;
}

function qualified(table: HeartbeatTable): string {
  return `\`${table.database}\`.\`${table.table}\``;
}

/** Creates the heartbeat table (without its trigger: commit-clock.ts `createAppliedAtTrigger`). */
export async function createHeartbeatTable(table: HeartbeatTable): Promise<void> {
  await table.connection.query(
    `CREATE TABLE ${qualified(table)} (id BIGINT NOT NULL PRIMARY KEY, written_us BIGINT NOT NULL, ${appliedAtColumn} BIGINT NULL)`,
  );
}

async function writeHeartbeat(table: HeartbeatTable, id: number): Promise<void> {
  await table.connection.query(`INSERT INTO ${qualified(table)} (id, written_us) VALUES (?, ?)`, [
    id,
    wallClockMicros(),
  ]);
}

/**
 * Writes one heartbeat row every 100 ms (ids from `firstId` up) until `stop()` is called, which resolves with
 * them and the next free id.
 */
export function startHeartbeats(
  table: HeartbeatTable,
  firstId: number,
  loadStartedAt: number,
): { stop: () => Promise<{ heartbeats: Heartbeat[]; nextId: number }> } {
  const heartbeats: Heartbeat[] = [];
  let running = true;
  let nextId = firstId;
  const loop = (async () => {
    while (running) {
      const id = nextId;
      nextId += 1;
      await writeHeartbeat(table, id);
      heartbeats.push({ id, committedAtMicros: wallClockMicros(), atMs: performance.now() - loadStartedAt });
      await sleep(heartbeatIntervalMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { heartbeats, nextId };
    },
  };
}

/** The lag of every heartbeat that reached `arrival` (whose clock is `offset` ahead of Node's). */
export async function heartbeatLags(
  arrival: HeartbeatTable,
  heartbeats: readonly Heartbeat[],
  offset: ClockOffset,
): Promise<HeartbeatLag[]> {
  const rows = await queryRows(
    arrival.connection,
    `SELECT id, ${appliedAtColumn} AS applied_us FROM ${qualified(arrival)}`,
  );
  const appliedById = new Map(rows.map((row) => [Number(row.id), Number(row.applied_us)]));
  return heartbeats.flatMap((heartbeat) => {
    const appliedAt = appliedById.get(heartbeat.id);
    return appliedAt === undefined
      ? []
      : [
          {
            atMs: heartbeat.atMs,
            lagMs: (appliedAt - offset.offsetMicros - heartbeat.committedAtMicros) / 1000,
          },
        ];
  });
}

/**
 * Writes heartbeat `id` on `origin` and waits for it on `arrival`; resolves with how long it took (ms), or
 * undefined when it did not arrive within `timeoutMs`.
 */
export async function timeHeartbeat(
  origin: HeartbeatTable,
  arrival: HeartbeatTable,
  id: number,
  timeoutMs: number,
): Promise<number | undefined> {
  await writeHeartbeat(origin, id);
  const writtenAt = performance.now();
  while (performance.now() - writtenAt < timeoutMs) {
    const rows = await queryRows(arrival.connection, `SELECT 1 FROM ${qualified(arrival)} WHERE id = ?`, [
      id,
    ]);
    if (rows.length > 0) return performance.now() - writtenAt;
    await sleep(5);
  }
  return undefined;
}
