/**
 * One binlog dump from one position, until it fails or is stopped — never restarted: the supervisor
 * (../binlog-source.ts) makes a new one. It opens its own connection, asks the server for the binlog as a replica
 * does (COM_BINLOG_DUMP), and hands each event to the decoder (../decoder/event-decoder.ts).
 * - Before the dump: checksums as the server writes them (stripped and verified here), MariaDB's GTID events
 *   (`@mariadb_slave_capability`), a heartbeat whenever the server has been idle for the heartbeat period, and a
 *   long `net_write_timeout` (a paused reader is not cut off by the server after 60 s).
 * - Reading can be held for backpressure (connection-gate.ts).
 * - The first error (the connection's, the server's, or decoding an event) is reported once; later ones are not.
 */
import type { BinlogPosition } from '../../model/index.js';
import { createMysqlConnection, type Connection, type MysqlEndpoint, type Pool } from '../../mysql/index.js';
import type { StreamEvent } from '../stream-event.js';
import { readCharsets } from '../decoder/charsets.js';
import { EventDecoder } from '../decoder/event-decoder.js';
import { ConnectionGate, type ReadHold } from './connection-gate.js';
import { crc32 } from './crc32.js';

const binlogDumpCommand = 0x12;
const stopTimeoutMs = 2_000;

export interface DumpStreamOptions {
  /** The source's control pool (server facts, and the KILL that ends the dump thread on stop). */
  readonly controlPool: Pool;
  /** The replication account's endpoint: the dump connection is opened with it. */
  readonly endpoint: MysqlEndpoint;
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
  /**
   * Runs on the dump connection itself before the dump starts (the source-server check, source-server.ts): a
   * rejection ends the stream with that error. The control pool's connections may still lead to another server.
   */
  readonly checkConnection?: (connection: Connection) => Promise<void>;
}

/** The part of mysql2's packet the dump reads (mysql2 hands its command objects these). */
interface ProtocolPacket {
  readonly buffer: Buffer;
  readonly offset: number;
  readonly end: number;
  isEOF(): boolean;
  isError(): boolean;
  asError(encoding?: string): Error;
}

/** The core connection's members the dump uses (mysql2 does not type its command protocol). */
interface CommandConnection {
  addCommand(command: object): void;
  writePacket(packet: { buffer: Buffer; length(): number; writeHeader(sequenceId: number): void }): void;
  _resetSequenceId(): void;
  readonly threadId: number | null;
  /** The encoding the server's error messages are decoded with. */
  readonly clientEncoding: string;
  readonly stream?: { readonly bytesRead?: number; destroy(): void };
  pause(): void;
  resume(): void;
  on(event: 'error', listener: (error: Error) => void): void;
}

function outgoingPacket(payload: Buffer): {
  buffer: Buffer;
  length(): number;
  writeHeader(sequenceId: number): void;
} {
  const buffer = Buffer.concat([Buffer.alloc(4), payload]);
  return {
    buffer,
    length: () => buffer.length,
    writeHeader(sequenceId) {
      buffer.writeUIntLE(buffer.length - 4, 0, 3);
      buffer.writeUInt8(sequenceId, 3);
    },
  };
}

export class DumpStream {
  readonly #options: DumpStreamOptions;
  #connection: Connection | undefined;
  #gate: ConnectionGate | undefined;
  #finished = false;
  #stopPromise: Promise<void> | undefined;
  #bytesRead = 0;

  constructor(options: DumpStreamOptions) {
    this.#options = options;
  }

  /** Bytes read from the dump connection so far: the watchdog's sign of life, whatever the events are. */
  get bytesRead(): number {
    const core = this.#core();
    return core?.stream?.bytesRead ?? this.#bytesRead;
  }

  start(): void {
    void this.#open().catch((error: unknown) => this.#fail(error));
  }

  hold(reason: ReadHold): void {
    if (!this.#finished) this.#gate?.hold(reason);
  }

  release(reason: ReadHold): void {
    if (!this.#finished) this.#gate?.release(reason);
  }

  /** Stops streaming: ends the server's dump thread and closes the connection; resolves when done, or after 2 s. */
  async stop(): Promise<void> {
    this.#stopPromise ??= (async () => {
      this.#finished = true;
      const core = this.#core();
      const threadId = core?.threadId ?? null;
      this.#bytesRead = this.bytesRead;
      this.#connection?.destroy();
      // mysql2's destroy only ends the socket politely; one whose peer went silent would stay open and keep the
      // process alive.
      core?.stream?.destroy();
      if (threadId !== null) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          this.#options.controlPool.query(`KILL CONNECTION ${Number(threadId)}`).catch(() => undefined),
          new Promise((resolve) => {
            timer = setTimeout(resolve, stopTimeoutMs);
          }),
        ]);
        clearTimeout(timer);
      }
    })();
    return this.#stopPromise;
  }

  #core(): CommandConnection | undefined {
    return (this.#connection as unknown as { connection?: CommandConnection } | undefined)?.connection;
  }

  async #open(): Promise<void> {
    const options = this.#options;
    const charsets = await readCharsets(options.controlPool);
    const connection = await createMysqlConnection({ ...options.endpoint, database: undefined }, 'binlog');
    this.#connection = connection;
    if (this.#finished) {
      connection.destroy();
      this.#core()?.stream?.destroy();
      return;
    }
    const core = this.#core();
    if (core === undefined) throw new Error('mysql2 no longer exposes its core connection');
    core.on('error', (error) => this.#fail(error));
    await options.checkConnection?.(connection);
    const [checksumRows] = await connection.query('SELECT @@GLOBAL.binlog_checksum AS checksum');
    const checksumSetting = (checksumRows as { checksum?: unknown }[])[0]?.checksum;
    const checksum = typeof checksumSetting === 'string' ? checksumSetting.toUpperCase() : 'NONE';
    const heartbeatNanoseconds = BigInt(Math.max(1, Math.round(options.heartbeatIntervalMs))) * 1_000_000n;
    const netWriteTimeout = Math.max(60, Math.round(options.netWriteTimeoutSeconds));
    await connection.query(
      `SET @master_binlog_checksum = @@GLOBAL.binlog_checksum, @source_binlog_checksum = @@GLOBAL.binlog_checksum, ` +
        `@mariadb_slave_capability = 4, @master_heartbeat_period = ${heartbeatNanoseconds.toString()}, ` +
        `@source_heartbeat_period = ${heartbeatNanoseconds.toString()}, SESSION net_write_timeout = ${netWriteTimeout}`,
    );
    if (this.#finished) return;
    this.#gate = new ConnectionGate(core);
    const decoder = new EventDecoder({
      database: options.database,
      tables: new Set(options.tables),
      charsets,
    });
    const checksumLength = checksum === 'CRC32' ? 4 : 0;
    core.addCommand(this.#dumpCommand(decoder, checksumLength));
  }

  /** mysql2's command protocol: `execute` is called first without a packet, then with each packet received. */
  #dumpCommand(decoder: EventDecoder, checksumLength: number): object {
    const options = this.#options;
    let started = false;
    const command = {
      // mysql2 hands a command the connection's failure (a reset, a timeout) through onResult.
      onResult: (error: unknown): void => this.#fail(error),
      execute: (packet: ProtocolPacket | undefined, connection: CommandConnection): boolean => {
        if (!started) {
          started = true;
          connection._resetSequenceId();
          const file = Buffer.from(options.startPosition.file, 'utf8');
          const payload = Buffer.alloc(11 + file.length);
          payload.writeUInt8(binlogDumpCommand, 0);
          payload.writeUInt32LE(options.startPosition.offset, 1);
          payload.writeUInt16LE(0, 5);
          payload.writeUInt32LE(options.serverId, 7);
          file.copy(payload, 11);
          connection.writePacket(outgoingPacket(payload));
          return false;
        }
        if (packet === undefined || this.#finished) return this.#finished;
        if (packet.isError()) {
          this.#fail(packet.asError(connection.clientEncoding));
          return true;
        }
        if (packet.isEOF()) {
          this.#fail(new Error('the server ended the binlog dump'));
          return true;
        }
        this.#onPacket(packet, decoder, checksumLength);
        return false;
      },
    };
    return command;
  }

  #onPacket(packet: ProtocolPacket, decoder: EventDecoder, checksumLength: number): void {
    // The packet starts with the OK byte; the event follows, with its checksum at the end.
    const event = packet.buffer.subarray(packet.offset + 1, packet.end - checksumLength);
    if (checksumLength > 0) {
      const stored = packet.buffer.readUInt32LE(packet.end - checksumLength);
      if (crc32(event) !== stored) {
        this.#fail(new Error('a binlog event failed its CRC32 checksum: the stream is corrupt'));
        return;
      }
    }
    let decoded: StreamEvent[];
    try {
      decoded = decoder.decode(event);
    } catch (error) {
      this.#fail(error);
      return;
    }
    for (const streamEvent of decoded) {
      if (this.#finished) return;
      try {
        this.#options.onEvent(streamEvent);
      } catch (error) {
        // The consumer's own failure: reported as this stream's error, never thrown into the packet parser.
        this.#fail(error);
        return;
      }
    }
  }

  #fail(error: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#options.onError(error);
  }
}
