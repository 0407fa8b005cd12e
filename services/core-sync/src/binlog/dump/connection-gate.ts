/**
 * Who may read from the binlog connection's socket. The binlog source holds it for backpressure (and may for
 * other reasons); anything else that pauses and resumes the connection (the driver) must not undo a hold, so the
 * connection's own pause/resume are wrapped: the socket reads again only when nobody holds it.
 */

import type { PausableConnection } from '../../mysql/index.js';

/** Why the binlog source stops reading: a slow consumer (backpressure), or a schema change being settled. */
export type ReadHold = 'backpressure' | 'schema';

export class ConnectionGate {
  readonly #holds = new Set<ReadHold>();
  readonly #pauseConnection: () => void;
  readonly #resumeConnection: () => void;
  #heldByLibrary = false;

  constructor(connection: PausableConnection) {
    const pauseConnection = connection.pause.bind(connection);
    const resumeConnection = connection.resume.bind(connection);
    this.#pauseConnection = pauseConnection;
    this.#resumeConnection = resumeConnection;
    connection.pause = () => {
      this.#heldByLibrary = true;
      pauseConnection();
    };
    connection.resume = () => {
      this.#heldByLibrary = false;
      if (this.#holds.size === 0) resumeConnection();
    };
  }

  get isHeld(): boolean {
    return this.#holds.size > 0 || this.#heldByLibrary;
  }

  hold(reason: ReadHold): void {
    this.#holds.add(reason);
    this.#pauseConnection();
  }

  /** Lets the socket read again when nobody else holds it. Queued packets are processed synchronously. */
  release(reason: ReadHold): void {
    if (!this.#holds.delete(reason)) return;
    if (this.#holds.size === 0 && !this.#heldByLibrary) this.#resumeConnection();
  }
}
