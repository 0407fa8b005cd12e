/**
 * The parts of one connect attempt of the binlog source: its control pool, the server checks before a dump
 * (settings, flavour), and the dump stream with the transaction assembler it feeds.
 */
import { SyncError } from '../errors/index.js';
import type { BinlogPosition } from '../model/index.js';
import {
  checkBinlogSettings,
  createMysqlPool,
  formatSettingProblems,
  readServerInfo,
  type Connection,
  type Pool,
  type ServerFlavor,
} from '../mysql/index.js';
import type { BinlogSourceOptions } from './binlog-handler.js';
import { createGtidTracker, type ServerGtidState } from './gtid-tracker.js';
import type { PreparedTransactions } from './prepared-transactions.js';
import { checkSourceServer } from './source-server.js';
import type { StreamEvent } from './stream-event.js';
import { TransactionAssembler, type AssemblerSink } from './transaction-assembler.js';
import { DumpStream } from './dump/dump-stream.js';

/** The dump connection's net_write_timeout: how long the server waits on a paused reader before cutting it off. */
const dumpNetWriteTimeoutSeconds = 3_600;

/** The pool of the source's control connections (server checks, column look-ups, the dump's KILL). */
export function createControlPool(options: BinlogSourceOptions): Pool {
  return createMysqlPool(options.endpoint, {
    connectionLimit: 2,
    purpose: `binlog:${options.side}`,
    ...(options.queryTimeoutMs === undefined
      ? {}
      : {
          queryTimeoutMs: options.queryTimeoutMs,
          queryTimeoutSetting: `databases.${options.side}.query_timeout`,
        }),
  });
}

/** Checks the server's binlog settings and learns its flavour, before each dump. */
export async function checkStreamServer(pool: Pool, serverLabel: string): Promise<ServerFlavor> {
  const problems = await checkBinlogSettings(pool);
  if (problems.length > 0) {
    throw new SyncError('SOURCE_SETTINGS_INVALID', formatSettingProblems(serverLabel, problems), {
      details: { problems },
    });
  }
  return (await readServerInfo(pool)).flavor;
}

export interface DumpSessionSettings {
  readonly options: BinlogSourceOptions;
  readonly controlPool: Pool;
  readonly serverLabel: string;
  readonly flavor: ServerFlavor;
  readonly startPosition: BinlogPosition;
  readonly serverGtidState: ServerGtidState | null;
  /** Prepared XA transactions: kept across reconnects (each stream resumes after them). */
  readonly preparedTransactions: PreparedTransactions;
  /** Where a restart resumes at the time the dump connection checks its server. */
  readonly currentPosition: () => BinlogPosition;
  readonly sink: AssemblerSink;
  readonly onEvent: (event: StreamEvent) => void;
  readonly onError: (error: unknown) => void;
}

export interface DumpSession {
  readonly assembler: TransactionAssembler;
  /** Not started yet: the caller starts it. */
  readonly stream: DumpStream;
}

/** A dump stream from the start position, and the assembler that turns its events into transactions. */
export function createDumpSession(settings: DumpSessionSettings): DumpSession {
  const { options } = settings;
  const assembler = new TransactionAssembler({
    database: options.database,
    tables: options.tables,
    markerTable: options.markerTable,
    startPosition: settings.startPosition,
    gtidTracker: createGtidTracker(settings.flavor, settings.startPosition.gtid, settings.serverGtidState),
    preparedTransactions: settings.preparedTransactions,
    sink: settings.sink,
  });
  const stream = new DumpStream({
    controlPool: settings.controlPool,
    endpoint: options.endpoint,
    serverId: options.serverId,
    startPosition: settings.startPosition,
    database: options.database,
    tables: options.markerTable === undefined ? options.tables : [...options.tables, options.markerTable],
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    netWriteTimeoutSeconds: dumpNetWriteTimeoutSeconds,
    ...(options.sourceServer === undefined
      ? {}
      : {
          checkConnection: (connection: Connection) =>
            checkSourceServer(connection, {
              flavor: settings.flavor,
              expected: options.sourceServer as string,
              position: settings.currentPosition(),
              serverLabel: settings.serverLabel,
            }),
        }),
    onEvent: settings.onEvent,
    onError: settings.onError,
  });
  return { assembler, stream };
}
