/**
 * The schema changes a direction read from its source since the start, for its status (newest first, at most
 * 20), each step published as it happens (the event stream, metrics). The target's ledger keeps every applied
 * one for good (target/schema-change-ledger.ts).
 */
import type { SchemaChangeEvent } from '../../binlog/index.js';
import type { SchemaChangeState, SchemaChangeView } from '../../status/index.js';
import { quoteStatement } from './schema-replication.js';

const kept = 20;

export interface SchemaChangeEntry {
  /** Moves the change to its next state and publishes it. */
  step(state: SchemaChangeState, details?: { durationMs?: number; message?: string }): void;
}

export class SchemaChangeHistory {
  #views: SchemaChangeView[] = [];
  readonly #publish: (change: SchemaChangeView) => void;

  constructor(publish: (change: SchemaChangeView) => void) {
    this.#publish = publish;
  }

  get views(): readonly SchemaChangeView[] {
    return this.#views;
  }

  /** A schema change read from the source, in its first state. */
  seen(event: SchemaChangeEvent, state: SchemaChangeState): SchemaChangeEntry {
    let view: SchemaChangeView = {
      table: event.table,
      statement: quoteStatement(event.statement),
      position: event.position.toString(),
      state,
      seenAt: new Date().toISOString(),
      durationMs: null,
      message: null,
    };
    this.#views = [view, ...this.#views].slice(0, kept);
    this.#publish(view);
    return {
      step: (next, details = {}) => {
        const updated: SchemaChangeView = {
          ...view,
          state: next,
          durationMs: details.durationMs ?? view.durationMs,
          message: details.message ?? view.message,
        };
        this.#views = this.#views.map((candidate) => (candidate === view ? updated : candidate));
        view = updated;
        this.#publish(updated);
      },
    };
  }
}
