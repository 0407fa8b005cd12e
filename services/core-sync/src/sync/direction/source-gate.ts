/**
 * Flow control of a direction: one gate in front of the binlog reader, with counted reasons to hold it. The
 * reader stops when the first reason appears and reads again when the last one is gone, so a schema check that
 * ends while the queue is still full does not let the reader run over it (and the other way round).
 */
export type SourceHoldReason =
  /** The apply engine's queue is full (apply/apply-engine.ts backpressure). */
  | 'backpressure'
  /** A schema change is being checked; transactions after it wait (schema-watch.ts). */
  | 'schema';

/** What the gate holds: the binlog reader (binlog/binlog-source.ts). */
export interface PausableSource {
  pause(): void;
  resume(): void;
}

export class SourceGate {
  readonly #reasons = new Set<SourceHoldReason>();
  #source: PausableSource | undefined;

  /** The reader to hold, once it exists; it starts held if a reason is already there. */
  attach(source: PausableSource): void {
    this.#source = source;
    if (this.#reasons.size > 0) source.pause();
  }

  get held(): boolean {
    return this.#reasons.size > 0;
  }

  hold(reason: SourceHoldReason): void {
    this.#reasons.add(reason);
    this.#source?.pause();
  }

  release(reason: SourceHoldReason): void {
    if (!this.#reasons.delete(reason)) return;
    if (this.#reasons.size === 0) this.#source?.resume();
  }
}
