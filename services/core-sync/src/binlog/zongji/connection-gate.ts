/**
 * Who may read from the binlog connection's socket. zongji pauses and resumes the connection itself (while it looks
 * up a table's columns); the binlog source pauses it for backpressure and while it re-reads a table's schema. A
 * plain `resume()` from one would undo the other's pause, so the connection's own pause/resume are wrapped: the
 * socket reads again only when nobody holds it.
 */

/** The part of a mysql2 connection the gate drives. */
export interface PausableConnection {
  pause(): void;
  resume(): void;
}

/** Why the binlog source stops reading: a slow consumer, or a schema re-read after DDL. */
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
