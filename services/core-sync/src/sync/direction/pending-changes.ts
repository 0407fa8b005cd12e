/**
 * A preview of a direction that streams only for runs (bidirectional, `realtime: false`): how many changes of its
 * source a real run would apply first (`DirectionPipeline.openForRun`), read from the binlog and not applied. The
 * read (binlog/bounded-read.ts) starts where the stream would (the target's checkpoints) and ends at a marker
 * committed on the source now, found by its token;
 * it counts what the stream would hand to the apply engine: row changes of the synced tables, not the service's
 * own (echoes), and not those the target's checkpoints show applied already.
 */
import { randomUUID } from 'node:crypto';
import { readUntilEnd } from '../../binlog/index.js';
import { primaryKeyText, type SourceTransaction } from '../../model/index.js';
import { checkpointTableName, isEndMarker, markerSlot, writeEndMarker } from '../../target/index.js';
import type { DirectionContext } from './direction-context.js';
import { streamStartOf } from './direction-stream.js';
import type { StartFacts } from './start-facts.js';
import { binlogReadSettings } from './stream-wiring.js';

/** The marker slot a preview's read ends at (one row per direction; each read writes its own token into it). */
const previewEndSlot = markerSlot('preview');

/**
 * Counts the changes a run would apply first. The read uses the direction's own replica id: the direction does not
 * stream while it is asked (its stream opens only for a real run, and one run is active at a time).
 */
export async function countPendingChanges(
  context: DirectionContext,
  start: StartFacts,
  signal: AbortSignal,
): Promise<number> {
  const { sourcePool, sourceDatabase, target, logger } = context;
  const { checkpoints, startPosition } = await streamStartOf(context, start, new Map());
  const token = randomUUID();
  // Written where the other direction writes (source_name = target): the streams drop it as the service's own.
  await writeEndMarker(sourcePool, sourceDatabase, target, previewEndSlot, token);
  let pending = 0;
  const count = (transaction: SourceTransaction): void => {
    // A transaction that writes the checkpoint table is the service's own: the stream drops it as an echo.
    if (transaction.changes.some((change) => change.table === checkpointTableName)) return;
    for (const change of transaction.changes) {
      const pair = start.schemas.get(change.table);
      const row = change.after ?? change.before;
      if (pair === undefined || row === null) continue;
      const floor = checkpoints.skipFloor(change.table, primaryKeyText(row, pair.source.primaryKey));
      if (floor !== undefined && transaction.commitPosition.isAtOrBefore(floor)) continue;
      pending += 1;
    }
  };
  const settings = binlogReadSettings(context, { startPosition, sourceServer: start.sourceServer });
  await readUntilEnd({
    // The checkpoint table too: the service's own transactions are told by its rows, and so is the end marker.
    source: { ...settings, tables: [...settings.tables, checkpointTableName] },
    isEnd: (transaction) =>
      transaction.changes.some((change) => isEndMarker(change, target, previewEndSlot, token)),
    onTransaction: count,
    signal,
    purpose: 'the changes a run would apply first',
    errorCode: 'FULL_SYNC_FAILED',
  });
  logger.info(
    { from: startPosition.toString(), pendingChanges: pending },
    'counted the changes a run would apply first',
  );
  return pending;
}
