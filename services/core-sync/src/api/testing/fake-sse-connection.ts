/** An in-memory SSE connection for the hub's tests: records what is written, closes on demand. */
import { EventEmitter } from 'node:events';
import type { SseConnection, SseHub } from '../sse-hub.js';
import { parseBlock, type SseBlock } from './sse-client.js';

export class FakeConnection extends EventEmitter implements SseConnection {
  readonly chunks: string[] = [];
  writableLength = 0;
  writableEnded = false;
  destroyed = false;
  /** What `write` answers: false says the client is backed up (a real socket then emits `drain` later). */
  accepting = true;

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return this.accepting;
  }

  end(): void {
    this.writableEnded = true;
    this.emit('close');
  }

  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }

  blocks(): SseBlock[] {
    return this.chunks
      .join('')
      .split('\n\n')
      .filter((text) => text.length > 0)
      .map(parseBlock);
  }

  events(): { id: string | undefined; event: string | undefined; data: unknown }[] {
    return this.blocks()
      .filter((block) => block.event !== undefined)
      .map((block) => ({
        id: block.id,
        event: block.event,
        data: JSON.parse(block.data ?? 'null') as unknown,
      }));
  }
}

/** Admits the caller and attaches the connection, as the route does. */
export function attach(
  hub: SseHub,
  connection: SseConnection,
  lastEventId: string | undefined,
  callerLabel = 'admin',
): void {
  hub.attach(hub.admit(callerLabel), connection, lastEventId);
}
