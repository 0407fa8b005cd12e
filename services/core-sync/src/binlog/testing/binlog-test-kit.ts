/**
 * Helpers for the binlog source's database tests: a handler that records what it is given, and polling.
 * No test-framework imports, so it compiles with the service.
 */
import type { SyncError } from '../../errors/index.js';
import { createLogger, type Logger } from '../../logging/index.js';
import type { BinlogPosition, RowChange, SourceTransaction } from '../../model/index.js';
import type { MysqlEndpoint } from '../../mysql/index.js';
import type {
  BinlogHandler,
  BinlogSourceOptions,
  IncompleteRowImageEvent,
  SchemaChangeEvent,
  StreamStatus,
} from '../binlog-handler.js';

/** Everything a BinlogSource handed on, in order (`events` interleaves transactions and schema changes). */
export class RecordingHandler implements BinlogHandler {
  readonly transactions: SourceTransaction[] = [];
  readonly schemaChanges: SchemaChangeEvent[] = [];
  readonly statuses: StreamStatus[] = [];
  readonly fatalErrors: SyncError[] = [];
  readonly events: (
    { kind: 'transaction'; transaction: SourceTransaction } | { kind: 'schema'; event: SchemaChangeEvent }
  )[] = [];

  onTransaction(transaction: SourceTransaction): void {
    this.transactions.push(transaction);
    this.events.push({ kind: 'transaction', transaction });
  }

  onSchemaChange(event: SchemaChangeEvent): void {
    this.schemaChanges.push(event);
    this.events.push({ kind: 'schema', event });
  }

  readonly incompleteRowImages: IncompleteRowImageEvent[] = [];

  onIncompleteRowImage(event: IncompleteRowImageEvent): void {
    this.incompleteRowImages.push(event);
  }

  onStatus(status: StreamStatus): void {
    this.statuses.push(status);
  }

  onFatalError(error: SyncError): void {
    this.fatalErrors.push(error);
  }

  /** All row changes handed on, in order. */
  get changes(): RowChange[] {
    return this.transactions.flatMap((transaction) => [...transaction.changes]);
  }

  /** Transactions that carry changes. */
  get transactionsWithChanges(): SourceTransaction[] {
    return this.transactions.filter((transaction) => transaction.changes.length > 0);
  }
}

/** Polls `condition` every 20 ms; throws with `description` (and the last state, when given) after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  description: string,
  timeoutMs = 30_000,
  describeState?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${description}${describeState === undefined ? '' : `: ${describeState()}`}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function sleep(milliseconds: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** A logger for tests: silent unless BINLOG_TEST_LOG_LEVEL names a level. */
export function createTestLogger(): Logger {
  const level = process.env.BINLOG_TEST_LOG_LEVEL;
  return createLogger({
    level: level === 'debug' || level === 'info' || level === 'warn' || level === 'trace' ? level : 'silent',
    format: 'json',
  });
}

/** Options for a test source with short intervals; `overrides` win. */
export function testSourceOptions(
  required: {
    endpoint: MysqlEndpoint;
    database: string;
    tables: readonly string[];
    startPosition: BinlogPosition;
    handler: BinlogHandler;
  },
  overrides: Partial<BinlogSourceOptions> = {},
): BinlogSourceOptions {
  return {
    side: 'local',
    serverId: 9000 + Math.floor(Math.random() * 900),
    heartbeatIntervalMs: 1_000,
    reconnectInitialDelayMs: 50,
    reconnectMaxDelayMs: 500,
    logger: createTestLogger(),
    ...required,
    ...overrides,
  };
}
