/**
 * A preview of a direction that streams only for runs (bidirectional, `realtime: false`): how many changes of its
 * source a real run would apply first (`DirectionPipeline.openForRun`), read from the binlog and not applied. The
 * read starts where the stream would (the target's checkpoints) and ends at a marker committed on the source now;
 * it counts what the stream would hand to the apply engine: row changes of the synced tables, not the service's
 * own (echoes), and not those the target's checkpoints show applied already.
 */
import type { BinlogHandler } from '../../binlog/index.js';
import { SyncError } from '../../errors/index.js';
import { primaryKeyText, type BinlogPosition, type SourceTransaction } from '../../model/index.js';
import type { DirectionContext } from './direction-context.js';
import { markSourceEnd, streamStartOf } from './direction-stream.js';
import type { StartFacts } from './start-facts.js';
import { createBinlogSource } from './stream-wiring.js';

/** How often the read reconnects before it gives up. */
const maxReconnects = 3;

/**
 * Counts the changes a run would apply first. The read uses the direction's own replica id: the direction does not
 * stream while it is asked (its stream opens only for a real run, and one run is active at a time).
 */
export async function countPendingChanges(
  context: DirectionContext,
  start: StartFacts,
  signal: AbortSignal,
): Promise<number> {
  const streamStart = await streamStartOf(context, start, new Map());
  const end = await markSourceEnd(context);
  const { checkpoints, startPosition } = streamStart;
  let pending = 0;
  const count = (transaction: SourceTransaction): void => {
    for (const change of transaction.changes) {
      const pair = start.schemas.get(change.table);
      const row = change.after ?? change.before;
      if (pair === undefined || row === null) continue;
      const floor = checkpoints.skipFloor(change.table, primaryKeyText(row, pair.source.primaryKey));
      if (floor !== undefined && transaction.commitPosition.isAtOrBefore(floor)) continue;
      pending += 1;
    }
  };
  await readUntil(context, start, startPosition, end, count, signal);
  context.logger.info(
    { from: startPosition.toString(), to: end.toString(), pendingChanges: pending },
    'counted the changes a run would apply first',
  );
  return pending;
}

function readUntil(
  context: DirectionContext,
  start: StartFacts,
  from: BinlogPosition,
  end: BinlogPosition,
  onTransaction: (transaction: SourceTransaction) => void,
  signal: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let finished = false;
    const finish = (error?: unknown): void => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', onAbort);
      void source.stop().then(
        () => (error === undefined ? resolve() : reject(wrapReadError(error, context))),
        (stopError: unknown) => reject(wrapReadError(error ?? stopError, context)),
      );
    };
    const onAbort = (): void => finish(signal.reason);
    const handler: BinlogHandler = {
      onTransaction: (transaction) => {
        if (finished) return;
        onTransaction(transaction);
        if (transaction.commitPosition.compare(end) >= 0) finish();
      },
      onSchemaChange: () => undefined,
      onIncompleteRowImage: () => undefined,
      onStatus: (status) => {
        if (status.state === 'reconnecting' && status.reconnectAttempt >= maxReconnects) {
          finish(
            new SyncError(
              'FULL_SYNC_FAILED',
              `reading the ${context.source} binlog for the changes a run would apply first failed: ${status.lastError?.message ?? 'the stream broke'}`,
              { details: { side: context.source, errorCode: status.lastError?.code } },
            ),
          );
        }
      },
      onFatalError: (error) => finish(error),
    };
    const source = createBinlogSource(context, {
      startPosition: from,
      sourceServer: start.sourceServer,
      handler,
    });
    if (signal.aborted) {
      reject(wrapReadError(signal.reason, context));
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    source.start();
  });
}

function wrapReadError(error: unknown, context: DirectionContext): SyncError {
  if (error instanceof SyncError) return error;
  return new SyncError(
    'FULL_SYNC_FAILED',
    `reading the ${context.source} binlog for the changes a run would apply first failed`,
    { cause: error },
  );
}
