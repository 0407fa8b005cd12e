/**
 * One zongji instance streaming from one position, until it fails or is stopped — never restarted: the supervisor
 * (../binlog-source.ts) makes a new one. What it adds to zongji:
 * - the control connection is the source's mysql2 Pool (zongji takes a Pool and reuses its connection options for
 *   the dump connection), so an idle control connection that hit `wait_timeout` is simply replaced;
 * - right after `start()`, before zongji queues the dump command on the same connection, it sets
 *   `@master_heartbeat_period` (the server then sends a heartbeat whenever it has been idle that long) and a long
 *   `net_write_timeout` (so a paused reader is not cut off by the server after 60 s);
 * - reading can be held for backpressure without zongji's own pause/resume undoing it (connection-gate.ts);
 * - the first error (zongji's, or from mapping an event) is reported once; later ones are dropped.
 */
import ZongJi, { type AnyBinlogEvent } from '@vlasky/zongji';
import type { BinlogPosition } from '../../model/index.js';
import type { Pool } from '../../mysql/index.js';
import type { StreamEvent } from '../stream-event.js';
import { ConnectionGate, type ReadHold } from './connection-gate.js';
import { ZongjiEventMapper } from './event-mapper.js';

/** zongji's events the source needs; everything else is skipped unparsed. */
const includedEvents = [
  'rotate',
  'mariadbgtid',
  'gtid',
  'anonymousgtid',
  'query',
  'xid',
  'xaprepare',
  'tablemap',
  'writerows',
  'updaterows',
  'deleterows',
  'heartbeat',
];

const stopTimeoutMs = 2_000;

export interface ZongjiStreamOptions {
  /** The source's control pool (its connection options are reused for the dump connection). */
  readonly controlPool: Pool;
  readonly serverId: number;
  readonly startPosition: BinlogPosition;
  readonly database: string;
  /** Tables whose row events are decoded (the configured ones and the marker table). */
  readonly tables: readonly string[];
  readonly heartbeatIntervalMs: number;
  readonly netWriteTimeoutSeconds: number;
  readonly onEvent: (event: StreamEvent) => void;
  /** Called at most once; the stream delivers nothing after it. */
  readonly onError: (error: unknown) => void;
}

interface SocketLike {
  readonly bytesRead?: number;
}

export class ZongjiStream {
  readonly #options: ZongjiStreamOptions;
  readonly #zongji: ZongJi;
  readonly #mapper: ZongjiEventMapper;
  #gate: ConnectionGate | undefined;
  #finished = false;
  #stopPromise: Promise<void> | undefined;

  constructor(options: ZongjiStreamOptions) {
    this.#options = options;
    this.#zongji = new ZongJi(options.controlPool.pool);
    this.#mapper = new ZongjiEventMapper();
  }

  /** Bytes read from the dump connection so far: the watchdog's sign of life, whatever the events are. */
  get bytesRead(): number {
    const stream = (this.#zongji.connection as { stream?: SocketLike } | null)?.stream;
    return stream?.bytesRead ?? 0;
  }

  start(): void {
    const options = this.#options;
    this.#zongji.on('binlog', (event: AnyBinlogEvent) => this.#onBinlogEvent(event));
    this.#zongji.on('error', (error: Error) => this.#fail(error));
    this.#zongji.start({
      serverId: options.serverId,
      filename: options.startPosition.file,
      position: options.startPosition.offset,
      includeEvents: includedEvents,
      includeSchema: { [options.database]: [...options.tables] },
    });
    const connection = this.#zongji.connection;
    if (connection === null) {
      this.#fail(new Error('zongji did not open a binlog connection'));
      return;
    }
    this.#gate = new ConnectionGate(connection);
    const heartbeatNanoseconds = BigInt(Math.max(1, Math.round(options.heartbeatIntervalMs))) * 1_000_000n;
    const netWriteTimeout = Math.max(60, Math.round(options.netWriteTimeoutSeconds));
    connection.query(
      `SET @master_heartbeat_period = ${heartbeatNanoseconds.toString()}, SESSION net_write_timeout = ${netWriteTimeout}`,
      (error: Error | null) => {
        if (error !== null) this.#fail(error);
      },
    );
  }

  hold(reason: ReadHold): void {
    if (!this.#finished) this.#gate?.hold(reason);
  }

  release(reason: ReadHold): void {
    if (!this.#finished) this.#gate?.release(reason);
  }

  /** Stops streaming (zongji kills the dump thread through the pool); resolves when done, or after 2 s. */
  async stop(): Promise<void> {
    this.#stopPromise ??= new Promise<void>((resolve) => {
      this.#finished = true;
      const zongji = this.#zongji;
      zongji.removeAllListeners('binlog');
      zongji.removeAllListeners('error');
      // zongji may still emit an error while tearing down; an unheard 'error' event would throw.
      zongji.on('error', () => undefined);
      const timer = setTimeout(resolve, stopTimeoutMs);
      zongji.once('stopped', () => {
        clearTimeout(timer);
        resolve();
      });
      zongji.stop();
    });
    return this.#stopPromise;
  }

  #onBinlogEvent(event: AnyBinlogEvent): void {
    if (this.#finished) return;
    let mapped: StreamEvent | undefined;
    try {
      mapped = this.#mapper.map(event);
    } catch (error) {
      this.#fail(new Error(`failed to decode a ${event.getTypeName()} event`, { cause: error }));
      return;
    }
    if (mapped === undefined) return;
    try {
      this.#options.onEvent(mapped);
    } catch (error) {
      // The consumer's own failure: reported as this stream's error, never thrown into zongji's packet parser.
      this.#fail(error);
    }
  }

  #fail(error: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#options.onError(error);
  }
}
