/**
 * A Server-Sent-Events client for tests, over Node's fetch (as a browser dashboard reads the stream with fetch
 * to send the Authorization header): it parses the stream into blocks, one per blank-line-terminated message.
 */

export interface SseBlock {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly retry?: number;
  /** Comment lines (`: heartbeat` → `heartbeat`). */
  readonly comments: readonly string[];
}

export interface OpenStreamOptions {
  readonly token?: string;
  readonly lastEventId?: string;
  readonly headers?: Record<string, string>;
}

export function parseBlock(text: string): SseBlock {
  const fields: { id?: string; event?: string; data?: string; retry?: number; comments: string[] } = {
    comments: [],
  };
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) {
      fields.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'id') fields.id = value;
    else if (name === 'event') fields.event = value;
    else if (name === 'data') fields.data = fields.data === undefined ? value : `${fields.data}\n${value}`;
    else if (name === 'retry') fields.retry = Number(value);
  }
  return fields;
}

export class SseTestClient {
  readonly response: Response;
  readonly #abort: AbortController;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  #ended = false;

  private constructor(response: Response, abort: AbortController) {
    this.response = response;
    this.#abort = abort;
  }

  static async open(url: string, options: OpenStreamOptions = {}): Promise<SseTestClient> {
    const abort = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
    const response = await fetch(url, { headers, signal: abort.signal });
    return new SseTestClient(response, abort);
  }

  /** True once the server ended the stream. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The next block, or null when the stream ended. */
  async next(): Promise<SseBlock | null> {
    for (;;) {
      const separator = this.#buffer.indexOf('\n\n');
      if (separator !== -1) {
        const text = this.#buffer.slice(0, separator);
        this.#buffer = this.#buffer.slice(separator + 2);
        return parseBlock(text);
      }
      if (this.#ended) return null;
      // Taken on first use, so that a test can read an error answer's body with response.json() instead.
      this.#reader ??= this.response.body?.getReader();
      if (this.#reader === undefined) return null;
      const chunk = await this.#reader.read();
      if (chunk.done) {
        this.#ended = true;
        return null;
      }
      this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
    }
  }

  /** The next block that is an event (skipping `retry:` and comments); throws when the stream ends first. */
  async nextEvent(): Promise<SseBlock & { id: string; event: string; data: string }> {
    for (;;) {
      const block = await this.next();
      if (block === null) throw new Error('the event stream ended before the next event');
      if (block.event !== undefined && block.id !== undefined && block.data !== undefined) {
        return { ...block, id: block.id, event: block.event, data: block.data };
      }
    }
  }

  /** The next `count` events. */
  async events(count: number): Promise<(SseBlock & { id: string; event: string; data: string })[]> {
    const events: (SseBlock & { id: string; event: string; data: string })[] = [];
    while (events.length < count) events.push(await this.nextEvent());
    return events;
  }

  /** Resolves when the server ends the stream (reading and dropping what still arrives). */
  async endOfStream(): Promise<void> {
    while ((await this.next()) !== null) {
      // drain
    }
  }

  close(): void {
    this.#abort.abort();
  }
}
