import type { RunState } from '../status/index.js';
/**
 * The lifecycle of the sync manager's full-sync runs:
 *
 *             start                  complete
 *   idle ───────────► running ─────────────────► completed ─┐
 *     ▲                 │  │        fail                     │
 *     │                 │  └────────────────────► failed ────┤ start (a new run)
 *     │                 │           stop                     │
 *     │                 └───────────────────────► stopped ───┤
 *     │                                                      │
 *     └────────── (never returns to idle)   running ◄────────┘
 *
 * Only `running` accepts complete / fail / stop; only the resting states accept start. Anything else is a bug
 * in the caller and throws, so a second concurrent run can never be started by accident.
 */

export type RunEvent = 'start' | 'complete' | 'fail' | 'stop';

export const runStates: readonly RunState[] = ['idle', 'running', 'completed', 'failed', 'stopped'];
export const runEvents: readonly RunEvent[] = ['start', 'complete', 'fail', 'stop'];

/** The state after `event`, or undefined when the event is not allowed in `state`. */
export function nextRunState(state: RunState, event: RunEvent): RunState | undefined {
  switch (state) {
    case 'idle':
    case 'completed':
    case 'failed':
    case 'stopped':
      return event === 'start' ? 'running' : undefined;
    case 'running':
      switch (event) {
        case 'start':
          return undefined;
        case 'complete':
          return 'completed';
        case 'fail':
          return 'failed';
        case 'stop':
          return 'stopped';
      }
  }
}

/** Holds the current state and applies events, refusing the ones the diagram does not allow. */
export class RunStateMachine {
  #state: RunState = 'idle';

  get state(): RunState {
    return this.#state;
  }

  get isRunning(): boolean {
    return this.#state === 'running';
  }

  /** True when the event was allowed (and applied). */
  tryApply(event: RunEvent): boolean {
    const next = nextRunState(this.#state, event);
    if (next === undefined) return false;
    this.#state = next;
    return true;
  }

  apply(event: RunEvent): RunState {
    if (!this.tryApply(event)) throw new Error(`run event ${event} is not allowed in state ${this.#state}`);
    return this.#state;
  }
}
