/**
 * A Server-Sent Events client of the service's `GET /api/v1/sync/stream`, over fetch as the web UI reads it (the
 * token in the Authorization header). It keeps what a benchmark checks: every event's id and type, the `run`
 * events' progress (their data is parsed; other events' data is not), and whether the stream ended before the
 * benchmark closed it (the server dropped the client) or failed.
 */
import type { RunProgress } from '../../services/core-sync/src/status/index.js';

export interface ReceivedEvent {
  readonly id: number;
  readonly type: string;
  /** The progress carried by a `run` event. */
  readonly run?: RunProgress;
}

export class EventStreamClient {
  readonly #abortController: AbortController;
  readonly #events: ReceivedEvent[] = [];
  readonly #waiters = new Set<() => void>();
  #reading: Promise<void> = Promise.resolve();
  #closing = false;
  #endedByServer = false;
  #failure: string | undefined;

  private constructor(abortController: AbortController) {
    this.#abortController = abortController;
  }

  /** Connects; resolves once the response head (200) has arrived, rejects on any other status. */
  static async open(url: string, token: string): Promise<EventStreamClient> {
    const abortController = new AbortController();
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: abortController.signal,
    });
    if (response.status !== 200 || response.body === null) {
      abortController.abort();
      throw new Error(`the event stream answered ${response.status}: ${await response.text()}`);
    }
    const client = new EventStreamClient(abortController);
    client.#reading = client.#read(response.body);
    return client;
  }

  get events(): readonly ReceivedEvent[] {
    return this.#events;
  }

  /** Whether the stream ended or failed while the benchmark still read it (what happens to a dropped client). */
  get dropped(): boolean {
    return this.#endedByServer || this.#failure !== undefined;
  }

  /** Why the stream ended early, for the report. */
  get dropReason(): string | undefined {
    if (this.#failure !== undefined) return this.#failure;
    return this.#endedByServer ? 'the server ended the stream' : undefined;
  }

  /** Resolves with the first event received (already or later) that satisfies `predicate`. */
  async waitFor(predicate: (event: ReceivedEvent) => boolean, timeoutMs: number): Promise<ReceivedEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.#events.find(predicate);
        if (found !== undefined) {
          this.#waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        } else if (this.dropped) {
          this.#waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`the event stream was dropped: ${this.dropReason ?? 'unknown reason'}`));
        }
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no matching event within ${timeoutMs} ms (${this.#events.length} received)`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  /** Disconnects; resolves when the reading loop has finished. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#abortController.abort();
    await this.#reading;
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          if (!this.#closing) this.#endedByServer = true;
          break;
        }
        buffer += decoder.decode(value, { stream: true });
        let boundary = buffer.indexOf('\n\n');
        while (boundary !== -1) {
          this.#parseBlock(buffer.slice(0, boundary));
          buffer = buffer.slice(boundary + 2);
          boundary = buffer.indexOf('\n\n');
        }
        this.#notify();
      }
    } catch (error) {
      // Aborting the fetch is how close() ends the stream; anything else is a failure the report shows.
      if (!this.#closing) this.#failure = error instanceof Error ? error.message : String(error);
    }
    this.#notify();
  }

  #notify(): void {
    for (const waiter of this.#waiters) waiter();
  }

  #parseBlock(block: string): void {
    let id: number | undefined;
    let type = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('id:')) id = Number(line.slice(3).trim());
      else if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trimStart();
    }
    // `retry:` and `: heartbeat` blocks carry no event.
    if (id === undefined || data === '') return;
    if (type === 'run') {
      const event = JSON.parse(data) as { progress: RunProgress };
      this.#events.push({ id, type, run: event.progress });
    } else {
      this.#events.push({ id, type });
    }
  }
}
