/**
 * At a direction's start: the source server its checkpoints belong to, recorded on the target and checked against
 * the server the service is connected to (`binlog/source-server.ts` says why; the stream checks it again on every
 * connection). When it is another server (a failover), the checkpoints follow the source there by GTID: each
 * slot's recorded GTID state is placed in the new server's binlog (`binlog/gtid-positions.ts`), and the slots and
 * the server are rewritten in one transaction, so a crash leaves either the old record or the new one.
 */
import {
  readSourceServer,
  writeSlots,
  writeSourceServer,
  type SlotPosition,
  inWriteTransaction,
} from '../target/index.js';
import {
  GtidFollowRefusal,
  positionsOfGtidStates,
  readServerIdentity,
  sourceServerChanged,
} from '../binlog/index.js';
import type { Logger } from '../logging/index.js';
import { BinlogPosition, type SideName } from '../model/index.js';
import {
  createMysqlPool,
  readServerInfo,
  type MysqlEndpoint,
  type Pool,
  type ServerFlavor,
} from '../mysql/index.js';

export interface SourceServerRecord {
  readonly source: SideName;
  readonly sourcePool: Pool;
  /** The synced database on the source. */
  readonly sourceDatabase: string;
  /** The replication user's endpoint: reading the new server's binlog after a failover needs REPLICATION SLAVE. */
  readonly replicationEndpoint: MysqlEndpoint;
  readonly targetPool: Pool;
  readonly targetDatabase: string;
  /** The positions the target holds for this source. */
  readonly slots: readonly SlotPosition[];
  readonly serverLabel: string;
  readonly logger: Logger;
}

export interface ConfirmedSourceServer {
  /** The connected server's identity, recorded on the target. */
  readonly identity: string;
  /** The positions the target holds for this source now (moved to the connected server after a failover). */
  readonly slots: readonly SlotPosition[];
}

/**
 * Records the connected source server on the target and resolves to it with the target's positions on it. After
 * a failover the positions are moved to the new server by GTID; throws SOURCE_SERVER_CHANGED when they cannot be
 * (no GTIDs recorded, or the new server's binlog cannot place them: the message says why). Positions of an
 * earlier release, which did not record the server, are taken to be this server's (as that release did).
 */
export async function confirmSourceServer(record: SourceServerRecord): Promise<ConfirmedSourceServer> {
  const { flavor } = await readServerInfo(record.sourcePool);
  const identity = await readServerIdentity(record.sourcePool, flavor);
  const recorded = await readSourceServer(record.targetPool, record.targetDatabase, record.source);
  const earliest = BinlogPosition.earliest(record.slots.map((slot) => slot.position));
  if (earliest !== undefined && recorded !== undefined && recorded !== identity) {
    const slots = await followedSlots(record, flavor, recorded, identity, earliest);
    await inWriteTransaction(record.targetPool, async (connection) => {
      await writeSlots(connection, record.targetDatabase, record.source, slots);
      await writeSourceServer(connection, record.targetDatabase, record.source, identity);
    });
    record.logger.warn(
      {
        recordedServer: recorded,
        connectedServer: identity,
        positions: Object.fromEntries(slots.map((slot) => [slot.slot, slot.position.toString()])),
      },
      'the source server changed (a failover): its checkpoints follow it by GTID',
    );
    return { identity, slots };
  }
  if (recorded !== identity) {
    if (earliest !== undefined) {
      record.logger.info(
        { sourceServer: identity },
        'recording the source server of checkpoints an earlier release wrote without it',
      );
    }
    await writeSourceServer(record.targetPool, record.targetDatabase, record.source, identity);
  }
  return { identity, slots: record.slots };
}

/** The slots placed on the connected server by their GTID states, or SOURCE_SERVER_CHANGED saying why not. */
async function followedSlots(
  record: SourceServerRecord,
  flavor: ServerFlavor,
  recorded: string,
  identity: string,
  earliest: BinlogPosition,
): Promise<SlotPosition[]> {
  const check = { flavor, expected: recorded, position: earliest, serverLabel: record.serverLabel };
  const withoutGtid = record.slots.filter((slot) => slot.position.gtid === null);
  if (withoutGtid.length > 0) {
    throw sourceServerChanged(
      check,
      identity,
      `its identity; the positions of ${withoutGtid.map((slot) => slot.slot).join(', ')} were recorded without a ` +
        'GTID state, so they cannot be followed to the new server',
    );
  }
  try {
    const states = [...new Set(record.slots.map((slot) => slot.position.gtid as string))];
    const binlogPool = createMysqlPool(record.replicationEndpoint, {
      connectionLimit: 1,
      purpose: 'failover',
    });
    const { positions, foreignBefore } = await positionsOfGtidStates(
      binlogPool,
      flavor,
      states,
      record.sourceDatabase,
    ).finally(() => binlogPool.end());
    if (foreignBefore.length > 0) {
      record.logger.warn(
        { connectedServer: identity, transactions: foreignBefore },
        'the new source server logged transactions from servers the checkpoints do not know (errant GTIDs), none ' +
          'writing to the synced database: they are not streamed',
      );
    }
    return record.slots.map((slot) => {
      const position = positions.get(slot.position.gtid as string);
      if (position === undefined) throw new Error(`no position was found for ${slot.slot}`);
      return { slot: slot.slot, position };
    });
  } catch (error) {
    if (!(error instanceof GtidFollowRefusal)) throw error;
    throw sourceServerChanged(
      check,
      identity,
      `its identity; the recorded GTID states cannot be followed there: ${error.message}`,
    );
  }
}
