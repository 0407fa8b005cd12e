/**
 * The fault proxy's one-shot faults, armed until a connection meets them: a cut after a number of further bytes
 * (only where that connection's client sent a given text first, when asked), and a text the client sends.
 */
import type { ConnectionSnapshot, FlowDirection, Link } from './proxy-link.js';

/** What `onClientText` does to the connection that sent the text. */
export type TextAction = 'reset-before' | 'reset-after' | 'hold';

export interface ByteCut {
  readonly direction: FlowDirection;
  readonly bytes: number;
  /** Only connections whose client's first bytes contain this (see Link.clientPrefix). */
  readonly clientSent: Buffer | undefined;
  /** Bytes each connection had forwarded in `direction` when the cut was armed. */
  readonly baseline: Map<number, number>;
  readonly resolve: (snapshot: ConnectionSnapshot) => void;
}

export interface TextTrigger {
  readonly text: Buffer;
  readonly action: TextAction;
  readonly resolve: (snapshot: ConnectionSnapshot) => void;
}

/**
 * How many bytes of a `chunkLength`-byte chunk a connection forwards before the cut falls in it; null when the
 * cut is not in this chunk (another direction or connection, or further on).
 */
export function bytesBeforeCut(
  cut: ByteCut,
  link: Link,
  direction: FlowDirection,
  chunkLength: number,
): number | null {
  if (cut.direction !== direction) return null;
  if (cut.clientSent !== undefined && !link.clientPrefix.includes(cut.clientSent)) return null;
  const already = link.forwarded(direction) - (cut.baseline.get(link.id) ?? 0);
  const allowed = cut.bytes - already;
  return allowed <= chunkLength ? allowed : null;
}

/**
 * True when the client's bytes up to this chunk contain the trigger's text; keeps the end of what it saw, so a
 * text split over two chunks is still found.
 */
export function clientSentText(link: Link, chunk: Buffer, trigger: TextTrigger): boolean {
  const window = Buffer.concat([link.clientTail, chunk]);
  link.clientTail = window.subarray(Math.max(0, window.length - trigger.text.length + 1));
  return window.includes(trigger.text);
}
