/**
 * At a direction's start: the source server its checkpoints belong to, recorded on the target and checked against
 * the server the service is connected to (`binlog/source-server.ts` says why; the stream checks it again on every
 * connection).
 */
import { readSourceServer, writeSourceServer, type SlotPosition } from '../apply/index.js';
import { readServerIdentity, sourceServerChanged } from '../binlog/index.js';
import type { Logger } from '../logging/index.js';
import { BinlogPosition, type SideName } from '../model/index.js';
import { readServerInfo, type Pool } from '../mysql/index.js';

export interface SourceServerRecord {
  readonly source: SideName;
  readonly sourcePool: Pool;
  readonly targetPool: Pool;
  readonly targetDatabase: string;
  /** The positions the target holds for this source. */
  readonly slots: readonly SlotPosition[];
  readonly serverLabel: string;
  readonly logger: Logger;
}

/**
 * Resolves to the connected source server's identity, recorded on the target. Throws SOURCE_SERVER_CHANGED when
 * the target holds positions recorded on another server. Positions of an earlier release, which did not record
 * the server, are taken to be this server's (as that release did).
 */
export async function confirmSourceServer(record: SourceServerRecord): Promise<string> {
  const { flavor } = await readServerInfo(record.sourcePool);
  const identity = await readServerIdentity(record.sourcePool, flavor);
  const recorded = await readSourceServer(record.targetPool, record.targetDatabase, record.source);
  const earliest = BinlogPosition.earliest(record.slots.map((slot) => slot.position));
  if (earliest !== undefined && recorded !== undefined && recorded !== identity) {
    throw sourceServerChanged(
      { flavor, expected: recorded, position: earliest, serverLabel: record.serverLabel },
      identity,
      'its identity',
    );
  }
  if (recorded === identity) return identity;
  if (earliest !== undefined) {
    record.logger.info(
      { sourceServer: identity },
      'recording the source server of checkpoints an earlier release wrote without it',
    );
  }
  await writeSourceServer(record.targetPool, record.targetDatabase, record.source, identity);
  return identity;
}
