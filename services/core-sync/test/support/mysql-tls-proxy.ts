/**
 * A MySQL-aware TCP proxy for the TLS tests: it stands between a client and a real server and acts out what can
 * happen to a TLS upgrade on the way. It reads two packets of each connection and forwards everything else
 * untouched:
 * - the server's greeting, whose CLIENT_SSL capability flag (0x800) it can leave as the server sent it, set (the
 *   server seems to offer TLS) or clear (the server seems to offer none);
 * - the client's first answer: an SSLRequest (the client asks for TLS before it sends its credentials) or a
 *   HandshakeResponse (the client logs in in plain text, its account name and password proof readable on the
 *   wire). Each connection's opening is recorded, so a test can tell whether a client ever logged in unencrypted.
 *
 * With `handshakeFailure` set, an SSLRequest never reaches the server: the proxy answers it itself with a TLS
 * upgrade that fails in the given way (a man in the middle, a broken or misconfigured TLS server).
 */
import { readFileSync } from 'node:fs';
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls';
import type { TestCertificates } from './tls-certificates.js';
import { listenOnFreeLoopbackPort } from './loopback-listen.js';

/** What the greeting tells the client about TLS. */
export type TlsAdvertisement = 'as-server' | 'offered' | 'withheld';

/**
 * How the TLS upgrade of an SSLRequest fails:
 * - `reset`: the connection is reset (RST) right after the request, as a middlebox that kills TLS does;
 * - `close`: it is closed (FIN) instead;
 * - `not-tls`: plain bytes come back where a TLS ServerHello should;
 * - `old-protocol`: a TLS server that speaks only TLS 1.0 and 1.1;
 * - `no-shared-cipher`: a TLS 1.2 server whose only cipher suite the client does not offer;
 * - `untrusted-certificate`: a TLS server whose certificate no CA of the test signed (self-signed); it completes
 *   the handshake with a client that does not check certificates, reads the login, and closes.
 */
export const handshakeFailures = [
  'reset',
  'close',
  'not-tls',
  'old-protocol',
  'no-shared-cipher',
  'untrusted-certificate',
] as const;
export type HandshakeFailure = (typeof handshakeFailures)[number];

/** A connection's first packet from the client. */
export type ClientOpening = 'tls-request' | 'plain-login';

export interface MysqlTlsProxyOptions {
  readonly target: { readonly host: string; readonly port: number };
  /** The server certificate its own TLS servers present, and the self-signed one of `untrusted-certificate`. */
  readonly certificates: Pick<
    TestCertificates,
    'serverCertFile' | 'serverKeyFile' | 'selfSignedCertFile' | 'selfSignedKeyFile'
  >;
}

const packetHeaderBytes = 4;
const clientSslFlag = 0x800;
/** An SSLRequest's payload: capability flags, max packet size, character set, 23 reserved bytes. */
const sslRequestPayloadBytes = 32;

function payloadLength(packet: Buffer): number {
  return packet.readUIntLE(0, 3);
}

/** The whole first packet when `buffered` holds it, with what came after it; null while it is incomplete. */
function splitFirstPacket(buffered: Buffer): { packet: Buffer; rest: Buffer } | null {
  if (buffered.length < packetHeaderBytes) return null;
  const end = packetHeaderBytes + payloadLength(buffered);
  if (buffered.length < end) return null;
  return { packet: buffered.subarray(0, end), rest: buffered.subarray(end) };
}

/** The greeting (protocol 10) with CLIENT_SSL set or cleared in its lower capability flags. */
function rewriteGreeting(packet: Buffer, advertisement: TlsAdvertisement): Buffer {
  if (advertisement === 'as-server') return packet;
  const versionEnd = packet.indexOf(0, packetHeaderBytes + 1);
  // protocol version, server version and its NUL, connection id (4), auth data part 1 (8), filler (1)
  const flagsOffset = versionEnd + 1 + 4 + 8 + 1;
  const rewritten = Buffer.from(packet);
  const flags = rewritten.readUInt16LE(flagsOffset);
  rewritten.writeUInt16LE(
    advertisement === 'offered' ? flags | clientSslFlag : flags & ~clientSslFlag,
    flagsOffset,
  );
  return rewritten;
}

function openingOf(packet: Buffer): ClientOpening {
  const flags = packet.readUInt32LE(packetHeaderBytes);
  return payloadLength(packet) === sslRequestPayloadBytes && (flags & clientSslFlag) !== 0
    ? 'tls-request'
    : 'plain-login';
}

/** The client's socket as a stream that starts with `leftover` (bytes already read past the SSLRequest). */
function streamFrom(client: Socket, leftover: Buffer): Duplex {
  const stream = new Duplex({
    read: () => undefined,
    write: (chunk: Buffer, _encoding, callback) => {
      client.write(chunk, callback);
    },
    final: (callback) => {
      client.end();
      callback();
    },
    destroy: (error, callback) => {
      client.destroy();
      callback(error);
    },
  });
  if (leftover.length > 0) stream.push(leftover);
  client.on('data', (chunk: Buffer) => stream.push(chunk));
  client.on('end', () => stream.push(null));
  return stream;
}

export class MysqlTlsProxy implements AsyncDisposable {
  readonly host = '127.0.0.1';
  /** What the greeting of new connections says about TLS (after `nextAdvertisements`). */
  advertisement: TlsAdvertisement = 'as-server';
  /** What the greetings of the next connections say, one each, before `advertisement` applies again. */
  nextAdvertisements: TlsAdvertisement[] = [];
  /**
   * How an SSLRequest of a new connection fails (after `nextHandshakeFailures`); null: it goes to the server,
   * which upgrades the connection.
   */
  handshakeFailure: HandshakeFailure | null = null;
  /** How the SSLRequests of the next connections fail, one each, before `handshakeFailure` applies again. */
  nextHandshakeFailures: (HandshakeFailure | null)[] = [];
  readonly #server: Server;
  readonly #target: { readonly host: string; readonly port: number };
  readonly #contexts: Record<'oldProtocol' | 'noSharedCipher' | 'untrusted', SecureContext>;
  readonly #sockets = new Set<Socket | TLSSocket>();
  readonly #openings: ClientOpening[] = [];

  private constructor(server: Server, options: MysqlTlsProxyOptions) {
    this.#server = server;
    this.#target = options.target;
    const { certificates } = options;
    const cert = readFileSync(certificates.serverCertFile, 'utf8');
    const key = readFileSync(certificates.serverKeyFile, 'utf8');
    this.#contexts = {
      // Security level 0: OpenSSL 3 offers TLS 1.0/1.1 only there.
      oldProtocol: createSecureContext({
        cert,
        key,
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.1',
        ciphers: 'DEFAULT:@SECLEVEL=0',
      }),
      // Node.js clients leave CAMELLIA out of their cipher list.
      noSharedCipher: createSecureContext({
        cert,
        key,
        maxVersion: 'TLSv1.2',
        ciphers: 'ECDHE-ECDSA-CAMELLIA256-SHA384',
      }),
      untrusted: createSecureContext({
        cert: readFileSync(certificates.selfSignedCertFile, 'utf8'),
        key: readFileSync(certificates.selfSignedKeyFile, 'utf8'),
      }),
    };
  }

  /** Listens on a free port of 127.0.0.1 and forwards to `options.target`. */
  static async start(options: MysqlTlsProxyOptions): Promise<MysqlTlsProxy> {
    const server = createServer();
    const proxy = new MysqlTlsProxy(server, options);
    server.on('connection', (client) => proxy.#accept(client));
    await listenOnFreeLoopbackPort(server);
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The first packet of every client connection so far, in the order they arrived. */
  get openings(): readonly ClientOpening[] {
    return [...this.#openings];
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #track<Tracked extends Socket | TLSSocket>(socket: Tracked): Tracked {
    this.#sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.#sockets.delete(socket));
    return socket;
  }

  #accept(client: Socket): void {
    this.#track(client);
    const upstream = this.#track(new Socket());
    // Settings of the moment the connection arrives, whatever a test changes meanwhile.
    const advertisement = this.nextAdvertisements.shift() ?? this.advertisement;
    const failure =
      this.nextHandshakeFailures.length > 0
        ? (this.nextHandshakeFailures.shift() ?? null)
        : this.handshakeFailure;
    let fromServer: Buffer | null = Buffer.alloc(0);
    let fromClient: Buffer | null = Buffer.alloc(0);
    const onServerData = (chunk: Buffer): void => {
      if (fromServer === null) {
        client.write(chunk);
        return;
      }
      const split = splitFirstPacket(Buffer.concat([fromServer, chunk]));
      fromServer = split === null ? Buffer.concat([fromServer, chunk]) : null;
      if (split !== null)
        client.write(Buffer.concat([rewriteGreeting(split.packet, advertisement), split.rest]));
    };
    const onClientData = (chunk: Buffer): void => {
      if (fromClient === null) {
        upstream.write(chunk);
        return;
      }
      const split = splitFirstPacket(Buffer.concat([fromClient, chunk]));
      fromClient = split === null ? Buffer.concat([fromClient, chunk]) : null;
      if (split === null) return;
      const opening = openingOf(split.packet);
      this.#openings.push(opening);
      if (opening === 'tls-request' && failure !== null) {
        client.off('data', onClientData);
        upstream.destroy();
        this.#fail(client, failure, split.rest);
        return;
      }
      upstream.write(Buffer.concat([split.packet, split.rest]));
    };
    upstream.on('data', onServerData);
    client.on('data', onClientData);
    upstream.on('end', () => client.end());
    client.on('end', () => upstream.end());
    upstream.on('close', (hadError) => {
      if (hadError) client.resetAndDestroy();
    });
    client.on('close', () => upstream.destroy());
    upstream.connect(this.#target.port, this.#target.host);
  }

  #fail(client: Socket, failure: HandshakeFailure, leftover: Buffer): void {
    switch (failure) {
      case 'reset':
        client.resetAndDestroy();
        return;
      case 'close':
        client.end();
        return;
      case 'not-tls':
        client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
        return;
      case 'old-protocol':
        this.#serveTls(client, leftover, this.#contexts.oldProtocol);
        return;
      case 'no-shared-cipher':
        this.#serveTls(client, leftover, this.#contexts.noSharedCipher);
        return;
      case 'untrusted-certificate': {
        const secured = this.#serveTls(client, leftover, this.#contexts.untrusted);
        // Whatever the client sends over it (its login), the connection ends there.
        secured.once('data', () => secured.end());
        return;
      }
    }
  }

  #serveTls(client: Socket, leftover: Buffer, secureContext: SecureContext): TLSSocket {
    return this.#track(new TLSSocket(streamFrom(client, leftover), { isServer: true, secureContext }));
  }
}
