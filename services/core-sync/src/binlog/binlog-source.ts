/**
 * The source side of replication: streams one server's binlog and hands whole committed transactions of the
 * configured tables to a handler, in binlog order, supervising the stream.
 *
 *                start()                      first event
 *   stopped ──────────────> starting ───────────────────────────> streaming
 *                              │  ▲                                 │
 *        stream error /        │  └──── backoff elapsed (connect) ──┤ stream error / no event or heartbeat
 *        watchdog              ▼                                    ▼ within 3× the heartbeat interval
 *                         reconnecting <────────────────────────────┘
 *   any state ── purged binlog / privileges / settings / handler threw ──> failed      any state ── stop() ──> stopped
 *
 * Every stream error is fatal to that dump stream: it is stopped and, after an exponential backoff with jitter
 * (backoff.ts), a new one starts from the position after the last transaction handed on — what was handed on
 * belongs to the consumer, so nothing is lost or handed on twice; `sequence` keeps increasing.
 * Transactions without relevant changes are rate-limited to one per ~100 ms (empty-transaction-throttle.ts).
 * `pause()`/`resume()` stop and restart reading the socket (backpressure); while paused nothing is handed on.
 * Prepared XA transactions are held until decided (transaction-assembler.ts), across reconnects; `heldPosition`
 * is where a restart must read from to see them again (the apply engine keeps its watermark before it).
 */
import { SyncError, describeError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { BinlogPosition, SourceTransaction } from '../model/index.js';
import {
  checkBinlogSettings,
  createMysqlPool,
  formatSettingProblems,
  readServerInfo,
  type Connection,
  type Pool,
  type ServerFlavor,
} from '../mysql/index.js';
import { reconnectDelayMs } from './backoff.js';
import type { BinlogSourceOptions, StreamState, StreamStatus } from './binlog-handler.js';
import { EmptyTransactionThrottle } from './empty-transaction-throttle.js';
import { createGtidTracker, type ServerGtidState } from './gtid-tracker.js';
import { PreparedTransactions } from './prepared-transactions.js';
import { PreparedXaMonitor } from './prepared-xa-monitor.js';
import { gtidStartState } from './server-position.js';
import { checkSourceServer } from './source-server.js';
import { classifyStreamError } from './stream-errors.js';
import type { StreamEvent } from './stream-event.js';
import {
  TransactionAssembler,
  type AssembledSchemaChange,
  type AssembledTransaction,
} from './transaction-assembler.js';
import { DumpStream } from './dump/dump-stream.js';

/** No event or heartbeat within this many heartbeat intervals restarts the stream. */
const watchdogIntervals = 3;
/** Connecting and checking the server may take this long before the watchdog gives up on the attempt. */
const minimumConnectTimeoutMs = 10_000;
const emptyTransactionIntervalMs = 100;
/** The dump connection's net_write_timeout: how long the server waits on a paused reader before cutting it off. */
const dumpNetWriteTimeoutSeconds = 3_600;
const defaultPreparedXaWarnAfterMs = 5 * 60_000;
const defaultPreparedXaWarnEveryMs = 15 * 60_000;

export class BinlogSource {
  readonly #options: BinlogSourceOptions;
  readonly #log: Logger;
  readonly #serverLabel: string;
  readonly #emptyTransactions: EmptyTransactionThrottle<AssembledTransaction>;
  #state: StreamState = 'stopped';
  #started = false;
  #closing = false;
  #stopPromise: Promise<void> | undefined;
  /** Increases with every connect attempt and failure: callbacks of older attempts are ignored. */
  #attempt = 0;
  #handedOnPosition: BinlogPosition;
  #sequence = 0;
  #lastEventAt: number | null = null;
  #lastEventTimestamp: number | null = null;
  #caughtUp = false;
  #reconnectAttempt = 0;
  #lastError: { code: string; message: string } | null = null;
  #controlPool: Pool | undefined;
  #flavor: ServerFlavor = 'mariadb';
  /** MySQL, a start position without GTIDs: the server's executed set, read when the stream starts. */
  #serverGtidState: ServerGtidState | null = null;
  #stream: DumpStream | undefined;
  #assembler: TransactionAssembler | undefined;
  /** Prepared XA transactions: kept across reconnects (each stream resumes after them). */
  readonly #preparedTransactions = new PreparedTransactions();
  readonly #preparedXa: PreparedXaMonitor;
  #paused = false;
  #connectDeferred = false;
  #connecting = false;
  #madeProgress = false;
  #lastActivityAt = 0;
  #lastBytesRead = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #watchdogTimer: NodeJS.Timeout | undefined;

  constructor(options: BinlogSourceOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'binlog', side: options.side });
    this.#serverLabel = `${options.side} (${options.endpoint.host}:${options.endpoint.port})`;
    this.#handedOnPosition = options.startPosition;
    this.#preparedXa = new PreparedXaMonitor(this.#preparedTransactions, this.#log, {
      warnAfterMs: options.preparedXaWarnAfterMs ?? defaultPreparedXaWarnAfterMs,
      warnEveryMs: options.preparedXaWarnEveryMs ?? defaultPreparedXaWarnEveryMs,
    });
    this.#emptyTransactions = new EmptyTransactionThrottle(emptyTransactionIntervalMs, (transaction) => {
      try {
        this.#handOn(transaction);
      } catch (error) {
        void this.#handleFailure(error, this.#attempt);
      }
    });
  }

  get status(): StreamStatus {
    const now = Date.now();
    const preparedXa = this.#preparedXa.status;
    const streamLagMs =
      this.#lastEventTimestamp === null
        ? null
        : this.#caughtUp
          ? 0
          : Math.max(0, now - this.#lastEventTimestamp);
    // A prepared transaction's changes wait to be applied: the lag is at least its age.
    const heldLagMs =
      preparedXa.oldestPreparedAt === null ? null : Math.max(0, now - preparedXa.oldestPreparedAt);
    return {
      state: this.#state,
      position: this.#handedOnPosition,
      lastEventAt: this.#lastEventAt,
      lagMs: heldLagMs === null ? streamLagMs : Math.max(streamLagMs ?? 0, heldLagMs),
      preparedXa,
      reconnectAttempt: this.#reconnectAttempt,
      lastError: this.#lastError,
    };
  }

  /**
   * The earliest position a restart must read from, while an XA transaction is prepared and undecided (its changes
   * are held in memory only): the position after the group before the oldest one's XA PREPARE group. Null otherwise.
   */
  get heldPosition(): BinlogPosition | null {
    return this.#preparedTransactions.restartPosition;
  }

  start(): void {
    if (this.#started) throw new Error('a BinlogSource can be started once');
    this.#started = true;
    this.#setState('starting');
    const checkEveryMs = Math.max(20, Math.min(this.#options.heartbeatIntervalMs / 2, 1_000));
    this.#watchdogTimer = setInterval(() => this.#checkWatchdog(), checkEveryMs);
    void this.#connect();
  }

  /** Stops reading from the server (backpressure); nothing is handed on until `resume()`. */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#emptyTransactions.suspend();
    this.#stream?.hold('backpressure');
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#lastActivityAt = Date.now();
    this.#emptyTransactions.unsuspend();
    if (this.#connectDeferred) {
      this.#connectDeferred = false;
      void this.#connect();
      return;
    }
    this.#stream?.release('backpressure');
  }

  async stop(): Promise<void> {
    this.#stopPromise ??= this.#shutDown();
    return this.#stopPromise;
  }

  async #shutDown(): Promise<void> {
    this.#closing = true;
    this.#attempt += 1;
    this.#clearTimers();
    this.#emptyTransactions.dispose();
    const stream = this.#stream;
    this.#stream = undefined;
    await stream?.stop();
    await this.#closeControlPool();
    if (this.#state !== 'failed') this.#setState('stopped');
    const held = this.#preparedTransactions;
    this.#log.info(
      {
        binlogPosition: this.#handedOnPosition.toString(),
        // Read again from there at the next start: their changes were only in memory.
        ...(held.count === 0
          ? {}
          : { preparedXaTransactions: held.count, heldPosition: held.restartPosition?.toString() }),
      },
      'binlog stream stopped',
    );
  }

  async #connect(): Promise<void> {
    this.#attempt += 1;
    const attempt = this.#attempt;
    this.#connecting = true;
    this.#madeProgress = false;
    this.#lastActivityAt = Date.now();
    this.#lastBytesRead = 0;
    try {
      const pool = (this.#controlPool ??= createMysqlPool(this.#options.endpoint, {
        connectionLimit: 2,
        purpose: `binlog:${this.#options.side}`,
        ...(this.#options.queryTimeoutMs === undefined
          ? {}
          : {
              queryTimeoutMs: this.#options.queryTimeoutMs,
              queryTimeoutSetting: `databases.${this.#options.side}.query_timeout`,
            }),
      }));
      await this.#prepare(pool);
      if (attempt !== this.#attempt || this.#closing) return;
      if (this.#paused) {
        this.#connectDeferred = true;
        return;
      }
      this.#openStream(pool, attempt);
    } catch (error) {
      await this.#handleFailure(error, attempt);
    }
  }

  /** Checks the server, learns its flavour and the GTID state the stream starts from. */
  async #prepare(pool: Pool): Promise<void> {
    const problems = await checkBinlogSettings(pool);
    if (problems.length > 0) {
      throw new SyncError('SOURCE_SETTINGS_INVALID', formatSettingProblems(this.#serverLabel, problems), {
        details: { problems },
      });
    }
    this.#flavor = (await readServerInfo(pool)).flavor;
    const position = this.#handedOnPosition;
    const start = await gtidStartState(pool, this.#flavor, position);
    if (this.#handedOnPosition === position) this.#handedOnPosition = start.position;
    this.#serverGtidState = start.serverState;
  }

  #openStream(pool: Pool, attempt: number): void {
    const options = this.#options;
    this.#assembler = new TransactionAssembler({
      database: options.database,
      tables: options.tables,
      markerTable: options.markerTable,
      startPosition: this.#handedOnPosition,
      gtidTracker: createGtidTracker(this.#flavor, this.#handedOnPosition.gtid, this.#serverGtidState),
      preparedTransactions: this.#preparedTransactions,
      sink: {
        transaction: (transaction) => this.#onAssembledTransaction(transaction),
        schemaChange: (change) => this.#onSchemaChange(change),
        xaPrepared: (prepared) => this.#preparedXa.prepared(prepared),
        xaDecided: (decision) => this.#preparedXa.decided(decision, Date.now()),
      },
    });
    const stream = new DumpStream({
      controlPool: pool,
      endpoint: options.endpoint,
      serverId: options.serverId,
      startPosition: this.#handedOnPosition,
      database: options.database,
      tables: options.markerTable === undefined ? options.tables : [...options.tables, options.markerTable],
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      netWriteTimeoutSeconds: dumpNetWriteTimeoutSeconds,
      ...(options.sourceServer === undefined
        ? {}
        : {
            checkConnection: (connection: Connection) =>
              checkSourceServer(connection, {
                flavor: this.#flavor,
                expected: options.sourceServer as string,
                position: this.#handedOnPosition,
                serverLabel: this.#serverLabel,
              }),
          }),
      onEvent: (event) => this.#onStreamEvent(event, attempt),
      onError: (error) => void this.#handleFailure(error, attempt),
    });
    this.#stream = stream;
    this.#log.info({ binlogPosition: this.#handedOnPosition.toString() }, 'binlog stream starting');
    stream.start();
  }

  #onStreamEvent(event: StreamEvent, attempt: number): void {
    if (attempt !== this.#attempt || this.#closing) return;
    const now = Date.now();
    this.#lastActivityAt = now;
    this.#lastEventAt = now;
    if (this.#connecting) {
      this.#connecting = false;
      this.#setState('streaming');
    }
    if (event.kind === 'heartbeat') {
      this.#caughtUp = true;
      this.#lastEventTimestamp ??= now;
      this.#noteProgress();
    } else if (event.kind !== 'rotate' && event.timestamp > 0) {
      this.#caughtUp = false;
      this.#lastEventTimestamp = event.timestamp;
    }
    // Exceptions (a handler that threw) propagate to the dump stream, which reports them through onError.
    this.#assembler?.accept(event);
  }

  #onAssembledTransaction(transaction: AssembledTransaction): void {
    this.#noteProgress();
    if (transaction.incompleteTables.length > 0) this.#refuseIncompleteImages(transaction);
    if (transaction.changes.length === 0) {
      this.#emptyTransactions.offer(transaction);
      return;
    }
    this.#emptyTransactions.discard();
    this.#handOn(transaction);
  }

  #handOn(assembled: AssembledTransaction): void {
    this.#sequence += 1;
    const transaction: SourceTransaction = {
      source: this.#options.side,
      sequence: this.#sequence,
      commitPosition: assembled.commitPosition,
      commitTimestamp: assembled.commitTimestamp,
      changes: assembled.changes,
    };
    this.#handedOnPosition = assembled.commitPosition;
    try {
      this.#options.handler.onTransaction(transaction);
    } catch (error) {
      throw new HandlerFailure('onTransaction', error);
    }
  }

  /**
   * Row images without some columns (a session's binlog_row_image NOBLOB or MINIMAL): their tables' changes were
   * left out of the transaction; the handler pauses those tables here, before the transaction is handed on.
   */
  #refuseIncompleteImages(transaction: AssembledTransaction): void {
    // Whatever came before is handed on before the pause.
    this.#emptyTransactions.flush();
    for (const incomplete of transaction.incompleteTables) {
      this.#log.warn(
        {
          table: incomplete.table,
          missingColumns: incomplete.missingColumns,
          binlogPosition: transaction.commitPosition.toString(),
        },
        'a change was logged without some columns (binlog_row_image is not FULL for its session)',
      );
      try {
        this.#options.handler.onIncompleteRowImage({
          table: incomplete.table,
          missingColumns: incomplete.missingColumns,
          position: transaction.commitPosition,
        });
      } catch (error) {
        throw new HandlerFailure('onIncompleteRowImage', error);
      }
    }
  }

  #onSchemaChange(change: AssembledSchemaChange): void {
    // Whatever came before the statement is handed on before it.
    this.#emptyTransactions.flush();
    this.#log.info(
      { tables: change.tables, statement: change.statement, binlogPosition: change.position.toString() },
      'schema change on a synced table',
    );
    for (const table of change.tables) {
      try {
        this.#options.handler.onSchemaChange({
          table,
          statement: change.statement,
          position: change.position,
        });
      } catch (error) {
        throw new HandlerFailure('onSchemaChange', error);
      }
    }
  }

  /** Stopped or failed: nothing more happens. */
  #isFinished(): boolean {
    return this.#closing || this.#state === 'failed';
  }

  #noteProgress(): void {
    this.#madeProgress = true;
    this.#reconnectAttempt = 0;
  }

  #checkWatchdog(): void {
    if (this.#closing) return;
    this.#preparedXa.check(Date.now());
    if (this.#paused || this.#connectDeferred) return;
    if (this.#state !== 'streaming' && !this.#connecting) return;
    const now = Date.now();
    const bytesRead = this.#stream?.bytesRead ?? 0;
    if (bytesRead !== this.#lastBytesRead) {
      this.#lastBytesRead = bytesRead;
      this.#lastActivityAt = now;
    }
    const silenceLimitMs = this.#options.heartbeatIntervalMs * watchdogIntervals;
    const limitMs = this.#connecting ? Math.max(silenceLimitMs, minimumConnectTimeoutMs) : silenceLimitMs;
    const silentForMs = now - this.#lastActivityAt;
    if (silentForMs <= limitMs) return;
    const error = new SyncError(
      'BINLOG_STREAM_FAILED',
      this.#connecting
        ? `connecting to ${this.#serverLabel} took longer than ${limitMs} ms`
        : `no binlog event or heartbeat from ${this.#serverLabel} for ${silentForMs} ms (limit ${limitMs} ms)`,
      { details: { silentForMs, limitMs } },
    );
    void this.#handleFailure(error, this.#attempt);
  }

  async #handleFailure(error: unknown, attempt: number): Promise<void> {
    if (attempt !== this.#attempt || this.#isFinished()) return;
    this.#attempt += 1;
    this.#connecting = false;
    const stream = this.#stream;
    this.#stream = undefined;
    this.#assembler = undefined;
    void stream?.stop();
    if (error instanceof HandlerFailure) {
      this.#fail(
        new SyncError('INTERNAL', `the binlog handler's ${error.method} threw`, { cause: error.cause }),
      );
      return;
    }
    // A complete group already read is handed on, so the next stream starts after it.
    if (!this.#paused) this.#emptyTransactions.flush();
    const failure = await classifyStreamError(error, {
      pool: this.#controlPool ?? null,
      position: this.#handedOnPosition,
      serverLabel: this.#serverLabel,
    });
    if (this.#isFinished()) return;
    if (!failure.retryable) {
      this.#fail(failure);
      return;
    }
    this.#reconnectAttempt += 1;
    this.#lastError = { code: failure.code, message: describeError(failure) };
    const delayMs = reconnectDelayMs(this.#reconnectAttempt, {
      initialDelayMs: this.#options.reconnectInitialDelayMs,
      maxDelayMs: this.#options.reconnectMaxDelayMs,
    });
    this.#log.warn(
      {
        error: failure,
        reconnectAttempt: this.#reconnectAttempt,
        delayMs,
        binlogPosition: this.#handedOnPosition.toString(),
        madeProgress: this.#madeProgress,
      },
      'binlog stream failed, reconnecting',
    );
    this.#setState('reconnecting', true);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#connect();
    }, delayMs);
  }

  #fail(error: SyncError): void {
    this.#attempt += 1;
    this.#clearTimers();
    this.#emptyTransactions.dispose();
    const stream = this.#stream;
    this.#stream = undefined;
    void stream?.stop().then(() => this.#closeControlPool());
    if (stream === undefined) void this.#closeControlPool();
    this.#lastError = { code: error.code, message: describeError(error) };
    this.#log.error(
      { error: error, binlogPosition: this.#handedOnPosition.toString() },
      'binlog stream stopped for good',
    );
    this.#setState('failed');
    try {
      this.#options.handler.onFatalError(error);
    } catch (handlerError) {
      this.#log.error({ error: handlerError }, 'the binlog handler threw on a fatal error');
    }
  }

  #setState(state: StreamState, always = false): void {
    if (state === this.#state && !always) return;
    this.#state = state;
    this.#log.debug({ state, reconnectAttempt: this.#reconnectAttempt }, 'binlog stream state changed');
    try {
      this.#options.handler.onStatus(this.status);
    } catch (error) {
      this.#log.error({ error: error }, 'the binlog handler threw on a status update');
    }
  }

  #clearTimers(): void {
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#watchdogTimer);
    this.#reconnectTimer = undefined;
    this.#watchdogTimer = undefined;
  }

  async #closeControlPool(): Promise<void> {
    const pool = this.#controlPool;
    this.#controlPool = undefined;
    try {
      await pool?.end();
    } catch (error) {
      this.#log.debug({ error: error }, 'closing the binlog control pool failed');
    }
  }
}

/** A handler method threw: a bug in the consumer, so the stream stops for good rather than replaying. */
class HandlerFailure extends Error {
  readonly method: string;

  constructor(method: string, cause: unknown) {
    super(`the binlog handler's ${method} threw`, { cause });
    this.name = 'HandlerFailure';
    this.method = method;
  }
}
