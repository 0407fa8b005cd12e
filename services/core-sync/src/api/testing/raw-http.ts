/**
 * One HTTP/1.1 request written byte for byte, as an attacker would write it: the request target is sent as given
 * (fetch and undici normalise dot segments, encodings and absolute forms away before they reach the wire).
 */
import { connect } from 'node:net';

export interface RawRequest {
  readonly port: number;
  readonly method: string;
  /** The request target exactly as it goes on the request line. */
  readonly target: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface RawResponse {
  readonly status: number;
  /** The head and as much of the body as arrived before the server closed (or the first chunk of a stream). */
  readonly text: string;
}

/** Sends the request and resolves with the status once the answer (or a stream's first bytes) arrived. */
export function rawHttpRequest(request: RawRequest): Promise<RawResponse> {
  const headers: Record<string, string> = {
    host: '127.0.0.1',
    connection: 'close',
    ...(request.body === undefined
      ? {}
      : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(request.body)) }),
    ...request.headers,
  };
  const head = [
    `${request.method} ${request.target} HTTP/1.1`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(request.port, '127.0.0.1', () => {
      socket.write(`${head}\r\n\r\n${request.body ?? ''}`);
    });
    let text = '';
    const finish = () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      if (status === undefined) {
        reject(new Error(`no HTTP answer to ${request.method} ${request.target}: ${JSON.stringify(text)}`));
      } else {
        resolve({ status: Number(status), text });
      }
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      // An event stream never ends: its head and first event are enough.
      if (/content-type: text\/event-stream/i.test(text) && text.includes('\r\n\r\n')) {
        socket.destroy();
        finish();
      }
    });
    socket.on('end', finish);
    socket.on('error', reject);
    socket.setTimeout(10_000, () => {
      socket.destroy();
      reject(new Error(`no answer in 10 s to ${request.method} ${request.target}: ${JSON.stringify(text)}`));
    });
  });
}
