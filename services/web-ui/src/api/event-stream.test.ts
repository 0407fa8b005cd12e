// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  EventStreamClient,
  EventStreamParser,
  type StreamMessage,
  type StreamStateChange,
} from './event-stream';

describe('EventStreamParser', () => {
  it('dispatches a message at a blank line, with its id and event name', () => {
    const parser = new EventStreamParser();
    const parsed = parser.push('retry: 3000\n\nid: 7\nevent: lag\ndata: {"type":"lag"}\n\n');
    expect(parsed.retryMs).toBe(3000);
    expect(parsed.messages).toEqual([{ id: '7', event: 'lag', data: '{"type":"lag"}' }]);
  });

  it('joins data lines, defaults the event name to message and ignores unknown fields', () => {
    const parser = new EventStreamParser();
    const parsed = parser.push('data: first\ndata:second\nfoo: bar\n\n');
    expect(parsed.messages).toEqual([{ id: undefined, event: 'message', data: 'first\nsecond' }]);
  });

  it('keeps a message split anywhere across chunks, including inside a CRLF', () => {
    const text =
      'id: 41\r\nevent: progress\r\ndata: {"percent":50}\r\n\r\nid: 42\r\nevent: run\r\ndata: {}\r\n\r\n';
    for (let cut = 1; cut < text.length; cut += 1) {
      const parser = new EventStreamParser();
      const messages: StreamMessage[] = [
        ...parser.push(text.slice(0, cut)).messages,
        ...parser.push(text.slice(cut)).messages,
      ];
      expect(messages, `cut at ${cut}`).toEqual([
        { id: '41', event: 'progress', data: '{"percent":50}' },
        { id: '42', event: 'run', data: '{}' },
      ]);
    }
  });

  it('reports comments (heartbeats) and does not dispatch a block without data', () => {
    const parser = new EventStreamParser();
    const parsed = parser.push(': heartbeat\n\nevent: lonely\n\n');
    expect(parsed.comments).toEqual(['heartbeat']);
    expect(parsed.messages).toEqual([]);
  });

  it('takes bare CR as a line end', () => {
    const parser = new EventStreamParser();
    expect(parser.push('event: status\rdata: {}\r\r').messages).toEqual([
      { id: undefined, event: 'status', data: '{}' },
    ]);
  });
});

/** A fake server: each fetch gets the next scripted answer; a stream's text is pushed by the test. */
class FakeServer {
  readonly requests: { headers: Record<string, string> }[] = [];
  readonly #answers: ((signal: AbortSignal) => Response)[] = [];
  #streams: ReadableStreamDefaultController<Uint8Array>[] = [];

  readonly fetch = (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    this.requests.push({ headers: { ...(init?.headers as Record<string, string>) } });
    const answer = this.#answers.shift();
    if (answer === undefined) return Promise.reject(new TypeError('connection refused'));
    const signal = init?.signal ?? new AbortController().signal;
    return Promise.resolve(answer(signal));
  };

  /** The next connection gets a 200 stream that starts with `opening`. */
  acceptStream(opening = 'retry: 5\n\n'): void {
    this.#answers.push((signal) => {
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        start: (controller) => {
          this.#streams.push(controller);
          controller.enqueue(encoder.encode(opening));
          signal.addEventListener('abort', () => controller.error(signal.reason));
        },
      });
      return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    });
  }

  answerError(status: number, code: string, message: string): void {
    this.#answers.push(
      () =>
        new Response(JSON.stringify({ error: { code, message, traceId: 'trace-1' } }), {
          status,
          headers: { 'content-type': 'application/json' },
        }),
    );
  }

  /** Writes to the newest open stream. */
  send(text: string): void {
    this.#streams.at(-1)?.enqueue(new TextEncoder().encode(text));
  }

  /** The server ends the newest stream. */
  end(): void {
    this.#streams.at(-1)?.close();
  }
}

function startClient(server: FakeServer, options: { silenceTimeoutMs?: number } = {}) {
  const messages: StreamMessage[] = [];
  const states: StreamStateChange[] = [];
  const client = new EventStreamClient({
    url: 'http://api.test/api/v1/sync/stream',
    headers: () => ({ authorization: 'Bearer secret-token' }),
    fetch: server.fetch,
    initialRetryMs: 5,
    maxRetryMs: 40,
    silenceTimeoutMs: options.silenceTimeoutMs ?? 5_000,
    onMessage: (message) => messages.push(message),
    onStateChange: (change) => states.push(change),
  });
  client.start();
  return { client, messages, states };
}

describe('EventStreamClient', () => {
  const clients: EventStreamClient[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  it('sends the token in a header and reconnects with Last-Event-ID after the stream ends', async () => {
    const server = new FakeServer();
    server.acceptStream();
    server.acceptStream();
    const { client, messages, states } = startClient(server);
    clients.push(client);
    await vi.waitFor(() => expect(states.map((change) => change.state)).toContain('open'));
    server.send('id: 100\nevent: lag\ndata: {"n":1}\n\nid: 101\nevent: lag\ndata: {"n":2}\n\n');
    await vi.waitFor(() => expect(messages).toHaveLength(2));
    server.end();
    await vi.waitFor(() => expect(server.requests).toHaveLength(2));
    expect(server.requests[0]?.headers).toMatchObject({ authorization: 'Bearer secret-token' });
    expect(server.requests[0]?.headers['last-event-id']).toBeUndefined();
    expect(server.requests[1]?.headers).toMatchObject({
      authorization: 'Bearer secret-token',
      'last-event-id': '101',
    });
    expect(states.map((change) => change.state)).toEqual([
      'connecting',
      'open',
      'reconnecting',
      'connecting',
      'open',
    ]);
    expect(states[2]?.reason).toBe('the server ended the event stream');
  });

  it('backs off while attempts fail, and keeps the last id across them', async () => {
    const server = new FakeServer();
    server.acceptStream('retry: 5\n\nid: 9\nevent: run\ndata: {}\n\n');
    const { client, states } = startClient(server);
    clients.push(client);
    await vi.waitFor(() => expect(client.lastEventId).toBe('9'));
    server.answerError(503, 'SERVICE_STOPPING', 'the service is shutting down');
    server.end();
    // Then the network is gone (no scripted answer: connection refused), until a stream is accepted again.
    await vi.waitFor(() => expect(server.requests.length).toBeGreaterThanOrEqual(4));
    server.acceptStream();
    await vi.waitFor(() => expect(states.at(-1)?.state).toBe('open'), { timeout: 2_000 });
    const reconnects = states.filter((change) => change.state === 'reconnecting');
    expect(reconnects[1]?.reason).toBe(
      'the event stream answered 503 SERVICE_STOPPING: the service is shutting down',
    );
    expect(reconnects[1]?.httpStatus).toBe(503);
    expect(reconnects[2]?.reason).toMatch(/^cannot reach the event stream: connection refused/);
    const attempts = reconnects.map((change) => change.attempt);
    expect(attempts.slice(0, 3)).toEqual([1, 2, 3]);
    for (const request of server.requests.slice(1)) expect(request.headers['last-event-id']).toBe('9');
  });

  it('stops for good on 401 (a wrong token is not retried)', async () => {
    const server = new FakeServer();
    server.answerError(401, 'UNAUTHORIZED', 'the bearer token is not known');
    const { client, states } = startClient(server);
    clients.push(client);
    await vi.waitFor(() => expect(states.at(-1)?.state).toBe('closed'));
    expect(states.at(-1)).toMatchObject({
      httpStatus: 401,
      reason: 'the event stream answered 401 UNAUTHORIZED: the bearer token is not known',
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toHaveLength(1);
  });

  it('reconnects when nothing arrives for too long, and heartbeats keep it open', async () => {
    const server = new FakeServer();
    server.acceptStream();
    server.acceptStream();
    const { client, states } = startClient(server, { silenceTimeoutMs: 250 });
    clients.push(client);
    await vi.waitFor(() => expect(states.at(-1)?.state).toBe('open'));
    for (let beat = 0; beat < 6; beat += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      server.send(': heartbeat\n\n');
    }
    expect(states.filter((change) => change.state === 'reconnecting')).toEqual([]);
    await vi.waitFor(() => expect(server.requests).toHaveLength(2), { timeout: 1_000 });
    expect(states.find((change) => change.state === 'reconnecting')?.reason).toBe(
      'nothing arrived for 250 ms (no heartbeat)',
    );
  });

  it('close() ends the stream and makes no further attempt', async () => {
    const server = new FakeServer();
    server.acceptStream();
    server.acceptStream();
    const { client, states } = startClient(server);
    await vi.waitFor(() => expect(states.at(-1)?.state).toBe('open'));
    client.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(states.at(-1)?.state).toBe('closed');
    expect(server.requests).toHaveLength(1);
  });
});
