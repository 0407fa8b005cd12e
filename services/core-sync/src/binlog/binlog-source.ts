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
 * belongs to the consumer, so nothing is lost or handed on twice.
 * Transactions without relevant changes are rate-limited to one per ~100 ms (empty-transaction-throttle.ts).
 * `hold(reason)`/`release(reason)` stop and restart reading the socket (backpressure, a schema check); while any
 * reason holds it nothing is handed on.
 * Prepared XA transactions are held until decided (transaction-assembler.ts), across reconnects; `heldPosition`
 * is where a restart must read from to see them again (the apply engine keeps its watermark before it).
 * The class supervises; its parts: stream-attempt.ts (control pool, server checks, the dump and its assembler),
 * stream-watchdog.ts, stream-status.ts (status and lag) and transaction-hand-on.ts (what the handler is told).
 */
import { SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { BinlogPosition } from '../model/index.js';
import type { Pool, ServerFlavor } from '../mysql/index.js';
import { reconnectDelayMs } from './backoff.js';
import type { BinlogSourceOptions, StreamStatus } from './binlog-handler.js';
import type { ServerGtidState } from './gtid-tracker.js';
import { PreparedTransactions } from './prepared-transactions.js';
import { PreparedXaMonitor } from './prepared-xa-monitor.js';
import { gtidStartState } from './server-position.js';
import { checkStreamServer, createControlPool, createDumpSession } from './stream-attempt.js';
import { classifyStreamError } from './stream-errors.js';
import type { StreamEvent } from './stream-event.js';
import { StreamStatusTracker } from './stream-status.js';
import { StreamWatchdog } from './stream-watchdog.js';
import type { AssembledTransaction, TransactionAssembler } from './transaction-assembler.js';
import { HandlerFailure, TransactionHandOn } from './transaction-hand-on.js';
import type { DumpStream } from './dump/dump-stream.js';
import type { ReadHold } from './dump/connection-gate.js';

const defaultPreparedXaWarnAfterMs = 5 * 60_000;
const defaultPreparedXaWarnEveryMs = 15 * 60_000;

export class BinlogSource {
  readonly #options: BinlogSourceOptions;
  readonly #log: Logger;
  readonly #serverLabel: string;
  /** The handler's side: numbering, rate-limiting empty transactions, the position handed on. */
  readonly #handOn: TransactionHandOn;
  readonly #watchdog: StreamWatchdog;
  readonly #status: StreamStatusTracker;
  #started = false;
  #closing = false;
  #stopPromise: Promise<void> | undefined;
  /** Increases with every connect attempt and failure: callbacks of older attempts are ignored. */
  #attempt = 0;
  #controlPool: Pool | undefined;
  #flavor: ServerFlavor = 'mariadb';
  /** MySQL, a start position without GTIDs: the server's executed set, read when the stream starts. */
  #serverGtidState: ServerGtidState | null = null;
  #stream: DumpStream | undefined;
  #assembler: TransactionAssembler | undefined;
  /** Prepared XA transactions: kept across reconnects (each stream resumes after them). */
  readonly #preparedTransactions = new PreparedTransactions();
  readonly #preparedXa: PreparedXaMonitor;
  readonly #holds = new Set<ReadHold>();
  #connectDeferred = false;
  #connecting = false;
  #madeProgress = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #watchdogTimer: NodeJS.Timeout | undefined;

  constructor(options: BinlogSourceOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'binlog', side: options.side });
    this.#serverLabel = `${options.side} (${options.endpoint.host}:${options.endpoint.port})`;
    this.#preparedXa = new PreparedXaMonitor(this.#preparedTransactions, this.#log, {
      warnAfterMs: options.preparedXaWarnAfterMs ?? defaultPreparedXaWarnAfterMs,
      warnEveryMs: options.preparedXaWarnEveryMs ?? defaultPreparedXaWarnEveryMs,
    });
    this.#handOn = new TransactionHandOn({
      side: options.side,
      handler: options.handler,
      log: this.#log,
      startPosition: options.startPosition,
      onDeferredFailure: (error) => void this.#handleFailure(error, this.#attempt),
    });
    this.#watchdog = new StreamWatchdog(options.heartbeatIntervalMs, this.#serverLabel);
    this.#status = new StreamStatusTracker({
      handler: options.handler,
      log: this.#log,
      preparedXa: this.#preparedXa,
      position: () => this.#handOn.position,
    });
  }

  get status(): StreamStatus {
    return this.#status.current;
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
    this.#status.setState('starting');
    this.#watchdogTimer = setInterval(() => this.#checkWatchdog(), this.#watchdog.checkEveryMs);
    void this.#connect();
  }

  /**
   * Stops reading from the server for `reason` (a full apply queue, a schema change being checked); nothing is
   * handed on until every reason is released. The one place that says why the source is held.
   */
  hold(reason: ReadHold): void {
    if (this.#holds.has(reason)) return;
    if (this.#holds.size === 0) this.#handOn.suspend();
    this.#holds.add(reason);
    this.#stream?.hold(reason);
  }

  release(reason: ReadHold): void {
    if (!this.#holds.delete(reason)) return;
    if (this.#holds.size > 0) {
      this.#stream?.release(reason);
      return;
    }
    this.#watchdog.noteActivity(Date.now());
    this.#handOn.unsuspend();
    if (this.#connectDeferred) {
      this.#connectDeferred = false;
      // A stopped source connects no more (the engine may drain, and release its hold, after stop()).
      if (!this.#closing) void this.#connect();
      return;
    }
    this.#stream?.release(reason);
  }

  /** Why the source is held (empty while it reads). */
  get holds(): ReadonlySet<ReadHold> {
    return this.#holds;
  }

  get #paused(): boolean {
    return this.#holds.size > 0;
  }

  async stop(): Promise<void> {
    this.#stopPromise ??= this.#shutDown();
    return this.#stopPromise;
  }

  async #shutDown(): Promise<void> {
    this.#closing = true;
    this.#attempt += 1;
    this.#clearTimers();
    this.#handOn.dispose();
    const stream = this.#stream;
    this.#stream = undefined;
    await stream?.stop();
    await this.#closeControlPool();
    if (this.#status.state !== 'failed') this.#status.setState('stopped');
    const held = this.#preparedTransactions;
    this.#log.info(
      {
        binlogPosition: this.#handOn.position.toString(),
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
    this.#watchdog.restart(Date.now());
    try {
      const pool = (this.#controlPool ??= createControlPool(this.#options));
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
    this.#flavor = await checkStreamServer(pool, this.#serverLabel);
    const position = this.#handOn.position;
    const start = await gtidStartState(pool, this.#flavor, position);
    this.#handOn.settleStartPosition(position, start.position);
    this.#serverGtidState = start.serverState;
  }

  #openStream(pool: Pool, attempt: number): void {
    const session = createDumpSession({
      options: this.#options,
      controlPool: pool,
      serverLabel: this.#serverLabel,
      flavor: this.#flavor,
      startPosition: this.#handOn.position,
      serverGtidState: this.#serverGtidState,
      preparedTransactions: this.#preparedTransactions,
      currentPosition: () => this.#handOn.position,
      sink: {
        transaction: (transaction) => this.#onAssembledTransaction(transaction),
        schemaChange: (change) => this.#handOn.schemaChange(change),
        xaPrepared: (prepared) => this.#preparedXa.prepared(prepared),
        xaDecided: (decision) => this.#preparedXa.decided(decision, Date.now()),
      },
      onEvent: (event) => this.#onStreamEvent(event, attempt),
      onError: (error) => void this.#handleFailure(error, attempt),
    });
    this.#assembler = session.assembler;
    this.#stream = session.stream;
    this.#log.info({ binlogPosition: this.#handOn.position.toString() }, 'binlog stream starting');
    session.stream.start();
  }

  #onStreamEvent(event: StreamEvent, attempt: number): void {
    if (attempt !== this.#attempt || this.#closing) return;
    const now = Date.now();
    this.#watchdog.noteActivity(now);
    this.#status.noteArrival(now);
    if (this.#connecting) {
      this.#connecting = false;
      this.#status.setState('streaming');
    }
    this.#status.noteSourceTime(event, now);
    if (event.kind === 'heartbeat') this.#noteProgress();
    // Exceptions (a handler that threw) propagate to the dump stream, which reports them through onError.
    this.#assembler?.accept(event);
  }

  #onAssembledTransaction(transaction: AssembledTransaction): void {
    this.#noteProgress();
    this.#handOn.accept(transaction);
  }

  /** Stopped or failed: nothing more happens. */
  #isFinished(): boolean {
    return this.#closing || this.#status.state === 'failed';
  }

  #noteProgress(): void {
    this.#madeProgress = true;
    this.#status.resetReconnects();
  }

  #checkWatchdog(): void {
    if (this.#closing) return;
    this.#preparedXa.check(Date.now());
    if (this.#paused || this.#connectDeferred) return;
    if (this.#status.state !== 'streaming' && !this.#connecting) return;
    const error = this.#watchdog.check(Date.now(), this.#stream?.bytesRead ?? 0, this.#connecting);
    if (error !== null) void this.#handleFailure(error, this.#attempt);
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
    if (!this.#paused) this.#handOn.flush();
    const failure = await classifyStreamError(error, {
      pool: this.#controlPool ?? null,
      position: this.#handOn.position,
      serverLabel: this.#serverLabel,
    });
    if (this.#isFinished()) return;
    if (!failure.retryable) {
      this.#fail(failure);
      return;
    }
    const reconnectAttempt = this.#status.noteReconnect(failure);
    const delayMs = reconnectDelayMs(reconnectAttempt, {
      initialDelayMs: this.#options.reconnectInitialDelayMs,
      maxDelayMs: this.#options.reconnectMaxDelayMs,
    });
    this.#log.warn(
      {
        error: failure,
        reconnectAttempt,
        delayMs,
        binlogPosition: this.#handOn.position.toString(),
        madeProgress: this.#madeProgress,
      },
      'binlog stream failed, reconnecting',
    );
    this.#status.setState('reconnecting', true);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#connect();
    }, delayMs);
  }

  #fail(error: SyncError): void {
    this.#attempt += 1;
    this.#clearTimers();
    this.#handOn.dispose();
    const stream = this.#stream;
    this.#stream = undefined;
    void stream?.stop().then(() => this.#closeControlPool());
    if (stream === undefined) void this.#closeControlPool();
    this.#status.noteFatal(error);
    this.#log.error(
      { error: error, binlogPosition: this.#handOn.position.toString() },
      'binlog stream stopped for good',
    );
    this.#status.setState('failed');
    try {
      this.#options.handler.onFatalError(error);
    } catch (handlerError) {
      this.#log.error({ error: handlerError }, 'the binlog handler threw on a fatal error');
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
