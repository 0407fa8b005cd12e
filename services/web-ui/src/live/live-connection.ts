/**
 * Keeps the live state fed: one event stream per tab (browsers allow six connections per host), and the status
 * snapshot loaded once the stream is open and again whenever the stream says events were missed (`reset`).
 */
import { ApiError, type ApiClient } from '../api/api-client';
import { EventStreamClient } from '../api/event-stream';
import { parseLiveEvent } from '../api/types';
import type { LiveAction } from './live-state';

export interface LiveConnectionOptions {
  readonly client: ApiClient;
  readonly dispatch: (action: LiveAction) => void;
  /** The token stopped being accepted (401 on the stream or the snapshot). */
  readonly onAuthLost: (message: string) => void;
  /** Something went wrong that the page must show (a snapshot that failed, an unreadable event). */
  readonly onProblem: (problem: Error | null) => void;
  readonly eventStreamOptions?: { initialRetryMs?: number; silenceTimeoutMs?: number };
  /**
   * How often the snapshot is reloaded besides: counters the stream has no event for (rows applied, positions)
   * stay current. Skipped while the tab is hidden. Default 5 s.
   */
  readonly refreshIntervalMs?: number;
}

export class LiveConnection {
  readonly #options: LiveConnectionOptions;
  readonly #stream: EventStreamClient;
  #closed = false;
  #snapshotInFlight = false;
  #snapshotAgain = false;
  #refreshTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: LiveConnectionOptions) {
    this.#options = options;
    this.#stream = new EventStreamClient({
      url: options.client.streamUrl,
      headers: () => options.client.authHeaders(),
      ...options.eventStreamOptions,
      onStateChange: (change) => {
        options.dispatch({ kind: 'stream', change });
        // On every (re)connection: what changed before the stream was open is in the snapshot.
        if (change.state === 'open') this.reloadSnapshot();
        if (change.state === 'closed' && !this.#closed && change.reason !== null) {
          if (change.httpStatus === 401) options.onAuthLost(change.reason);
          else options.onProblem(new Error(change.reason));
        }
      },
      onMessage: (message) => {
        try {
          const event = parseLiveEvent(message.event, message.data);
          if (event === null) return;
          options.dispatch({ kind: 'event', event, receivedAt: Date.now() });
          if (event.type === 'reset') this.reloadSnapshot();
        } catch (error) {
          options.onProblem(
            new Error(
              `an event from the stream could not be read (${message.event}): ${error instanceof Error ? error.message : String(error)}`,
              { cause: error },
            ),
          );
        }
      },
    });
  }

  start(): void {
    this.#stream.start();
    this.#refreshTimer = setInterval(() => {
      if (globalThis.document?.visibilityState !== 'hidden') this.reloadSnapshot();
    }, this.#options.refreshIntervalMs ?? 5_000);
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#refreshTimer);
    this.#stream.close();
  }

  /** Loads GET /sync/status into the state (at most one request at a time; a request during one repeats it). */
  reloadSnapshot(): void {
    if (this.#snapshotInFlight) {
      this.#snapshotAgain = true;
      return;
    }
    this.#snapshotInFlight = true;
    this.#options.client
      .status()
      .then((status) => {
        if (this.#closed) return;
        this.#options.dispatch({ kind: 'snapshot', status });
        this.#options.onProblem(null);
      })
      .catch((error: unknown) => {
        if (this.#closed) return;
        if (error instanceof ApiError && error.status === 401) this.#options.onAuthLost(error.message);
        else this.#options.onProblem(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => {
        this.#snapshotInFlight = false;
        if (this.#snapshotAgain && !this.#closed) {
          this.#snapshotAgain = false;
          this.reloadSnapshot();
        }
      });
  }
}
