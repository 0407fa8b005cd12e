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
import { crc32 } from 'node:zlib';
import type { BinlogPosition } from '../../model/index.js';
import {
  CommandChannel,
  type Connection,
  type MysqlEndpoint,
  type Pool,
  type ProtocolCommand,
  type ProtocolPacket,
} from '../../mysql/index.js';
import type { StreamEvent } from '../stream-event.js';
import { readCharsets } from '../decoder/charsets.js';
import { EventDecoder } from '../decoder/event-decoder.js';
import { ConnectionGate, type ReadHold } from './connection-gate.js';

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

export class DumpStream {
  readonly #options: DumpStreamOptions;
  #channel: CommandChannel | undefined;
  #gate: ConnectionGate | undefined;
  #finished = false;
  #stopPromise: Promise<void> | undefined;
  #bytesRead = 0;

  constructor(options: DumpStreamOptions) {
    this.#options = options;
  }

  /** Bytes read from the dump connection so far: the watchdog's sign of life, whatever the events are. */
  get bytesRead(): number {
    return this.#channel?.bytesRead ?? this.#bytesRead;
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
      const threadId = this.#channel?.connectionId ?? null;
      this.#bytesRead = this.bytesRead;
      // At once: a socket whose peer went silent would otherwise stay open and keep the process alive.
      this.#channel?.destroy();
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

  async #open(): Promise<void> {
    const options = this.#options;
    const charsets = await readCharsets(options.controlPool);
    const channel = await CommandChannel.open({ ...options.endpoint, database: undefined }, 'binlog');
    this.#channel = channel;
    if (this.#finished) {
      channel.destroy();
      return;
    }
    const { connection } = channel;
    channel.onError((error) => this.#fail(error));
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
    this.#gate = new ConnectionGate(channel.flowControl);
    const decoder = new EventDecoder({
      database: options.database,
      tables: new Set(options.tables),
      charsets,
    });
    const checksumLength = checksum === 'CRC32' ? 4 : 0;
    channel.run(this.#dumpCommand(decoder, checksumLength));
  }

  /** COM_BINLOG_DUMP: the request, then each event the server sends as a packet. */
  #dumpCommand(decoder: EventDecoder, checksumLength: number): ProtocolCommand {
    const options = this.#options;
    let started = false;
    const command: ProtocolCommand = {
      // The connection's failure (a reset, a timeout) arrives through onResult.
      onResult: (error: unknown): void => this.#fail(error),
      execute: (packet, writer): boolean => {
        if (!started) {
          started = true;
          writer.resetSequenceId();
          const file = Buffer.from(options.startPosition.file, 'utf8');
          const payload = Buffer.alloc(11 + file.length);
          payload.writeUInt8(binlogDumpCommand, 0);
          payload.writeUInt32LE(options.startPosition.offset, 1);
          payload.writeUInt16LE(0, 5);
          payload.writeUInt32LE(options.serverId, 7);
          file.copy(payload, 11);
          writer.writePayload(payload);
          return false;
        }
        if (packet === undefined || this.#finished) return this.#finished;
        if (packet.isError()) {
          this.#fail(packet.asError(writer.clientEncoding));
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
