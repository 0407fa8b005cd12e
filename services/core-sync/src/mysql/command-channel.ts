/**
 * A connection that runs a command of the client/server protocol the driver does not offer: the binlog dump
 * (COM_BINLOG_DUMP, binlog/dump/dump-stream.ts), queued on mysql2's command queue like its own commands. mysql2
 * does not type this part of its API (it is pinned exactly in package.json): the members used are named here,
 * and nowhere else.
 */
import { createMysqlConnection, type MysqlEndpoint } from './connection.js';
import { connectionIdOf, driverConnection, type Connection } from './driver-types.js';

/** A packet the server sent, as a command receives it. */
export interface ProtocolPacket {
  readonly buffer: Buffer;
  readonly offset: number;
  readonly end: number;
  isEOF(): boolean;
  isError(): boolean;
  asError(encoding?: string): Error;
}

/** How a command writes to the server. */
export interface CommandWriter {
  /** Starts a new exchange (the packets' sequence ids start at 0 again). */
  resetSequenceId(): void;
  writePayload(payload: Buffer): void;
  /** The encoding the server's error messages are decoded with. */
  readonly clientEncoding: string;
}

/**
 * A command: `execute` is called first without a packet (it writes its request), then with each packet received;
 * it returns true when the command is done. `onResult` receives the connection's failure (a reset, a timeout).
 */
export interface ProtocolCommand {
  onResult(error: unknown): void;
  execute(packet: ProtocolPacket | undefined, writer: CommandWriter): boolean;
}

/** The socket's flow control (binlog/dump/connection-gate.ts takes it over). */
export interface PausableConnection {
  pause(): void;
  resume(): void;
}

/** The members of mysql2's core connection used here. */
interface CoreConnection extends PausableConnection {
  addCommand(command: object): void;
  writePacket(packet: { buffer: Buffer; length(): number; writeHeader(sequenceId: number): void }): void;
  _resetSequenceId(): void;
  readonly clientEncoding: string;
  readonly stream?: { readonly bytesRead?: number; destroy(): void };
  on(event: 'error', listener: (error: Error) => void): void;
}

export class CommandChannel {
  /** For the statements that set the session up before the command. */
  readonly connection: Connection;
  readonly #core: CoreConnection;

  private constructor(connection: Connection, core: CoreConnection) {
    this.connection = connection;
    this.#core = core;
  }

  static async open(endpoint: MysqlEndpoint, purpose: string): Promise<CommandChannel> {
    const connection = await createMysqlConnection(endpoint, purpose);
    const core = (driverConnection(connection) as unknown as { connection?: CoreConnection }).connection;
    if (core === undefined) {
      connection.destroy();
      throw new Error('mysql2 no longer exposes its core connection');
    }
    return new CommandChannel(connection, core);
  }

  /** The server's id of the connection (what `KILL CONNECTION` takes). */
  get connectionId(): number | null {
    return connectionIdOf(this.connection);
  }

  /** Bytes read from the socket so far, while it is open. */
  get bytesRead(): number | undefined {
    return this.#core.stream?.bytesRead;
  }

  /** The connection's own pause and resume. */
  get flowControl(): PausableConnection {
    return this.#core;
  }

  onError(listener: (error: Error) => void): void {
    this.#core.on('error', listener);
  }

  /** Queues the command after any statement still running. */
  run(command: ProtocolCommand): void {
    const core = this.#core;
    const writer: CommandWriter = {
      resetSequenceId: () => core._resetSequenceId(),
      writePayload: (payload) => core.writePacket(outgoingPacket(payload)),
      get clientEncoding() {
        return core.clientEncoding;
      },
    };
    core.addCommand({
      onResult: (error: unknown) => command.onResult(error),
      execute: (packet: ProtocolPacket | undefined) => command.execute(packet, writer),
    });
  }

  /** Closes the connection at once. mysql2 only ends the socket politely: one whose peer went silent is destroyed. */
  destroy(): void {
    this.connection.destroy();
    this.#core.stream?.destroy();
  }
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
