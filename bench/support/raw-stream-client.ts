/**
 * An event-stream client on a bare TCP socket, light enough to open hundreds from the benchmark process: it
 * sends `GET /api/v1/sync/stream` with a bearer token and reads the answer's head. Then it either reads
 * everything promptly (counting bytes) or stalls: it never reads again, so the kernel's buffers fill and then
 * the service's. A refused stream's error body is kept.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

export type StreamClientMode = 'read' | 'stall';

interface Head {
  readonly status: number;
  readonly contentLength: number | undefined;
  /** What came after the head in the same reads. */
  readonly rest: Buffer;
}

function parseHead(received: Buffer): Head | undefined {
  const end = received.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = received.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? Number.NaN);
  const lengthLine = lines.find((line) => /^content-length:/i.test(line));
  const contentLength = lengthLine === undefined ? undefined : Number(lengthLine.split(':')[1]);
  return { status, contentLength, rest: received.subarray(end + 4) };
}

export class RawStreamClient {
  readonly status: number;
  /** The error body of a refused stream. */
  readonly errorBody: { readonly error?: { readonly code?: string; readonly details?: { cap?: string } } };
  readonly #socket: Socket;
  #bytesReceived = 0;
  #closedByUs = false;
  #closedByServer = false;

  private constructor(socket: Socket, status: number, errorBody: RawStreamClient['errorBody']) {
    this.#socket = socket;
    this.status = status;
    this.errorBody = errorBody;
  }

  /** Connects and reads the head: a 200 stream goes on in `mode`; any other answer is read whole and closed. */
  static async open(port: number, token: string, mode: StreamClientMode): Promise<RawStreamClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `GET /api/v1/sync/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
    let received = Buffer.alloc(0);
    let head: Head | undefined;
    while (head === undefined || (head.status !== 200 && head.rest.length < (head.contentLength ?? 0))) {
      const [chunk] = (await once(socket, 'data')) as [Buffer];
      received = Buffer.concat([received, chunk]);
      head = parseHead(received);
    }
    if (head.status !== 200) {
      socket.destroy();
      const body = JSON.parse(head.rest.toString('utf8')) as RawStreamClient['errorBody'];
      return new RawStreamClient(socket, head.status, body);
    }
    const client = new RawStreamClient(socket, head.status, {});
    client.#bytesReceived = head.rest.length;
    socket.once('close', () => {
      if (!client.#closedByUs) client.#closedByServer = true;
    });
    if (mode === 'read') {
      socket.on('data', (chunk: Buffer) => {
        client.#bytesReceived += chunk.length;
      });
    } else {
      socket.pause();
    }
    return client;
  }

  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  /** Whether the service ended the stream (a reading client sees it at once; a stalled one never reads it). */
  get closedByServer(): boolean {
    return this.#closedByServer;
  }

  close(): void {
    this.#closedByUs = true;
    this.#socket.destroy();
  }
}
