/** A minimal Server-Sent Events client over fetch (as the web UI does it: the token goes in a header). */

export interface ReceivedEvent {
  readonly id: string | null;
  readonly event: string;
  readonly data: unknown;
}

export interface SseConnection {
  readonly status: number;
  readonly events: ReceivedEvent[];
  /** Comment lines received (heartbeats). */
  readonly comments: string[];
  /** Resolves with the first event (already received or future) that satisfies `predicate`. */
  waitFor(predicate: (event: ReceivedEvent) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
  close(): void;
}

export async function openEventStream(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const abortController = new AbortController();
  const response = await fetch(url, { headers, signal: abortController.signal });
  const events: ReceivedEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const waiter of waiters) waiter();
  };
  if (response.ok && response.body !== null) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += value;
          let boundary = buffer.indexOf('\n\n');
          while (boundary !== -1) {
            const block = buffer.slice(0, boundary);
            buffer = buffer.slice(boundary + 2);
            parseBlock(block, events, comments);
            boundary = buffer.indexOf('\n\n');
          }
          notify();
        }
      } catch {
        // Closed by close(): the events received stay readable.
      }
    })();
  }
  return {
    status: response.status,
    events,
    comments,
    waitFor(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = events.find(predicate);
          if (found === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; received ${events.length} events`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      abortController.abort();
    },
  };
}

function parseBlock(block: string, events: ReceivedEvent[], comments: string[]): void {
  let id: string | null = null;
  let event = 'message';
  const dataLines: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) comments.push(line.slice(1).trim());
    else if (line.startsWith('id:')) id = line.slice(3).trim();
    else if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) dataLines.push(line.slice(5).trimStart());
  }
  if (dataLines.length === 0) return;
  const text = dataLines.join('\n');
  let data: unknown = text;
  try {
    data = JSON.parse(text);
  } catch {
    // Not JSON: kept as text.
  }
  events.push({ id, event, data });
}
