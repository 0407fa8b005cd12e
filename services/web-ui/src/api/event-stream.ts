/**
 * A Server-Sent-Events client over `fetch`, so that the bearer token travels in the Authorization header
 * (EventSource cannot set headers, and a token in the URL would end up in logs and browser history).
 *
 * Connection lifecycle:
 *
 *   connecting ──200──▶ open ──stream ends / network error / silent too long──▶ reconnecting ──wait──▶ connecting
 *        │                                                                          ▲
 *        ├──other status (5xx, 429…)────────────────────────────────────────────────┘
 *        └──401 / 403──▶ closed (the token is not accepted: retrying would only count as failed attempts)
 *   close() from any state ──▶ closed
 *
 * Reconnects send `Last-Event-ID` so the server replays what was missed (or answers `reset` when it no longer
 * can). The wait before a reconnect is the server's `retry:` (3 s) for the first attempt, doubling up to
 * `maxRetryMs` while attempts keep failing; a connection that delivered something resets it.
 */

/** One dispatched message. */
export interface StreamMessage {
  readonly id: string | undefined;
  /** The `event:` field; `message` when absent (as EventSource does). */
  readonly event: string;
  readonly data: string;
}

export interface ParsedChunk {
  readonly messages: StreamMessage[];
  /** The last `retry:` value in the chunk, in ms. */
  readonly retryMs: number | undefined;
  /** Comment lines (`: heartbeat` → `heartbeat`). */
  readonly comments: string[];
}

/**
 * Incremental parser of the `text/event-stream` format (WHATWG HTML "Server-sent events", interpretation of
 * the event stream): lines end in CRLF, LF or CR; a blank line dispatches; `data` lines join with LF; a message
 * without data is not dispatched; `id` applies to the message it is in (and is remembered by the client).
 */
export class EventStreamParser {
  #pending = '';
  #dataLines: string[] = [];
  #eventName = '';
  #messageId: string | undefined;
  /** A chunk ended on CR: a following LF belongs to the same line ending. */
  #skipLeadingLineFeed = false;

  push(chunk: string): ParsedChunk {
    const messages: StreamMessage[] = [];
    const comments: string[] = [];
    let retryMs: number | undefined;
    let text = chunk;
    if (this.#skipLeadingLineFeed && text.startsWith('\n')) text = text.slice(1);
    this.#skipLeadingLineFeed = false;
    this.#pending += text;
    const lineEnd = /\r\n|\r|\n/g;
    let consumed = 0;
    for (let match = lineEnd.exec(this.#pending); match !== null; match = lineEnd.exec(this.#pending)) {
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (match[0] === '\r' && match.index === this.#pending.length - 1) this.#skipLeadingLineFeed = true;
      const line = this.#pending.slice(consumed, match.index);
      consumed = match.index + match[0].length;
      const outcome = this.#line(line);
      if (outcome.kind === 'message') messages.push(outcome.message);
      else if (outcome.kind === 'comment') comments.push(outcome.text);
      else if (outcome.kind === 'retry') retryMs = outcome.retryMs;
    }
    this.#pending = this.#pending.slice(consumed);
    return { messages, retryMs, comments };
  }

  #line(
    line: string,
  ):
    | { kind: 'message'; message: StreamMessage }
    | { kind: 'comment'; text: string }
    | { kind: 'retry'; retryMs: number }
    | { kind: 'none' } {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return { kind: 'comment', text: line.slice(1).trim() };
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.#dataLines.push(value);
        break;
      case 'event':
        this.#eventName = value;
        break;
      case 'id':
        if (!value.includes('\u0000')) this.#messageId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) return { kind: 'retry', retryMs: Number(value) };
        break;
      default:
        // Unknown fields are ignored, as the format requires.
        break;
    }
    return { kind: 'none' };
  }

  #dispatch(): { kind: 'message'; message: StreamMessage } | { kind: 'none' } {
    const id = this.#messageId;
    const event = this.#eventName === '' ? 'message' : this.#eventName;
    const hasData = this.#dataLines.length > 0;
    const data = this.#dataLines.join('\n');
    this.#dataLines = [];
    this.#eventName = '';
    this.#messageId = undefined;
    if (!hasData) return { kind: 'none' };
    return { kind: 'message', message: { id, event, data } };
  }
}

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StreamStateChange {
  readonly state: StreamState;
  /** Why the stream is reconnecting or closed, in words; null otherwise. */
  readonly reason: string | null;
  /** Consecutive failed attempts so far. */
  readonly attempt: number;
  /** When the next attempt starts (epoch ms), while reconnecting. */
  readonly nextAttemptAt: number | null;
  /** The HTTP status of the answer that closed or interrupted the stream, when there was one. */
  readonly httpStatus: number | null;
}

export interface EventStreamOptions {
  readonly url: string;
  /** Headers of each attempt (Authorization). `Last-Event-ID` and `Accept` are added. */
  readonly headers: () => Record<string, string>;
  readonly onMessage: (message: StreamMessage) => void;
  readonly onStateChange: (change: StreamStateChange) => void;
  readonly fetch?: typeof fetch;
  /** Wait before the first reconnect until the server says otherwise (`retry:`). Default 3 s. */
  readonly initialRetryMs?: number;
  readonly maxRetryMs?: number;
  /** Reconnect when nothing (not even a heartbeat) arrives for this long. Default 45 s (three heartbeats). */
  readonly silenceTimeoutMs?: number;
  /** The id to resume after, from an earlier connection. */
  readonly lastEventId?: string;
  readonly now?: () => number;
}

/** The status codes after which retrying cannot help: the token is wrong or not allowed to read. */
const fatalStatuses = new Set([401, 403]);

export class EventStreamClient {
  readonly #options: EventStreamOptions;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #maxRetryMs: number;
  readonly #silenceTimeoutMs: number;
  #retryMs: number;
  #lastEventId: string | undefined;
  #attempt = 0;
  #closed = false;
  #controller: AbortController | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #silenceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: EventStreamOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#now = options.now ?? Date.now;
    this.#retryMs = options.initialRetryMs ?? 3_000;
    this.#maxRetryMs = options.maxRetryMs ?? 30_000;
    this.#silenceTimeoutMs = options.silenceTimeoutMs ?? 45_000;
    this.#lastEventId = options.lastEventId;
  }

  /** The id of the last message received (sent as Last-Event-ID on the next connection). */
  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  start(): void {
    void this.#connect();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#silenceTimer);
    this.#controller?.abort();
    this.#emit('closed', 'closed by the page');
  }

  #emit(
    state: StreamState,
    reason: string | null,
    nextAttemptAt: number | null = null,
    httpStatus: number | null = null,
  ): void {
    this.#options.onStateChange({ state, reason, attempt: this.#attempt, nextAttemptAt, httpStatus });
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const controller = new AbortController();
    this.#controller = controller;
    this.#emit('connecting', null);
    const headers: Record<string, string> = { ...this.#options.headers(), accept: 'text/event-stream' };
    if (this.#lastEventId !== undefined) headers['last-event-id'] = this.#lastEventId;
    let response: Response;
    try {
      this.#armSilenceTimer(controller);
      response = await this.#fetch(this.#options.url, {
        headers,
        signal: controller.signal,
        cache: 'no-store',
      });
    } catch (error) {
      this.#scheduleReconnect(`cannot reach the event stream: ${describe(error)}`);
      return;
    }
    if (this.#closed) {
      controller.abort();
      return;
    }
    if (!response.ok || response.body === null) {
      const reason = await failureReason(response);
      if (fatalStatuses.has(response.status)) {
        this.#closed = true;
        clearTimeout(this.#silenceTimer);
        this.#emit('closed', reason, null, response.status);
        return;
      }
      this.#scheduleReconnect(reason, response.status);
      return;
    }
    this.#emit('open', null);
    const reason = await this.#read(response.body, controller);
    this.#scheduleReconnect(reason);
  }

  /** Reads until the stream ends; returns why it ended. */
  async #read(body: ReadableStream<Uint8Array>, controller: AbortController): Promise<string> {
    const parser = new EventStreamParser();
    const decoder = new TextDecoder();
    const reader = body.getReader();
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) return 'the server ended the event stream';
        this.#armSilenceTimer(controller);
        const parsed = parser.push(decoder.decode(chunk.value, { stream: true }));
        if (parsed.retryMs !== undefined) this.#retryMs = Math.min(parsed.retryMs, this.#maxRetryMs);
        for (const message of parsed.messages) {
          if (message.id !== undefined) this.#lastEventId = message.id;
          // Something arrived: the connection works, so the next failure starts the backoff afresh.
          this.#attempt = 0;
          this.#options.onMessage(message);
        }
        if (parsed.comments.length > 0) this.#attempt = 0;
      }
    } catch (error) {
      if (controller.signal.aborted && controller.signal.reason instanceof SilenceError) {
        return controller.signal.reason.message;
      }
      return `the event stream broke: ${describe(error)}`;
    } finally {
      reader.releaseLock();
    }
  }

  #armSilenceTimer(controller: AbortController): void {
    clearTimeout(this.#silenceTimer);
    this.#silenceTimer = setTimeout(() => {
      controller.abort(
        new SilenceError(
          `nothing arrived for ${this.#silenceTimeoutMs < 1000 ? `${this.#silenceTimeoutMs} ms` : `${Math.round(this.#silenceTimeoutMs / 1000)} s`} (no heartbeat)`,
        ),
      );
    }, this.#silenceTimeoutMs);
  }

  #scheduleReconnect(reason: string, httpStatus: number | null = null): void {
    clearTimeout(this.#silenceTimer);
    this.#controller?.abort();
    if (this.#closed) return;
    const delayMs = Math.min(this.#retryMs * 2 ** this.#attempt, this.#maxRetryMs);
    this.#attempt += 1;
    this.#emit('reconnecting', reason, this.#now() + delayMs, httpStatus);
    this.#retryTimer = setTimeout(() => void this.#connect(), delayMs);
  }
}

class SilenceError extends Error {}

function describe(error: unknown): string {
  if (error instanceof SilenceError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** The error answer in words: the API's own message when it sent one. */
async function failureReason(response: Response): Promise<string> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return `the event stream answered ${response.status} (its body could not be read: ${describe(error)})`;
  }
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.message === 'string') {
      return `the event stream answered ${response.status} ${String(body.error.code)}: ${body.error.message}`;
    }
  } catch {
    // Not the API's JSON error shape (a proxy's HTML page, say): the status and the start of the text say it.
  }
  return `the event stream answered ${response.status}${text === '' ? '' : `: ${text.slice(0, 200)}`}`;
}
