import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunStateMachine, nextRunState, runEvents, runStates, type RunEvent } from './run-state.js';

describe('run state machine', () => {
  it('defines every state × event pair as in the diagram', () => {
    const table = Object.fromEntries(
      runStates.map((state) => [
        state,
        Object.fromEntries(runEvents.map((event) => [event, nextRunState(state, event) ?? null])),
      ]),
    );
    expect(table).toEqual({
      idle: { start: 'running', complete: null, fail: null, stop: null },
      running: { start: null, complete: 'completed', fail: 'failed', stop: 'stopped' },
      completed: { start: 'running', complete: null, fail: null, stop: null },
      failed: { start: 'running', complete: null, fail: null, stop: null },
      stopped: { start: 'running', complete: null, fail: null, stop: null },
    });
  });

  it('never runs two runs at once and never leaves running except by complete, fail or stop', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<RunEvent>(...runEvents), { maxLength: 60 }), (events) => {
        const machine = new RunStateMachine();
        let running = 0;
        for (const event of events) {
          const before = machine.state;
          const applied = machine.tryApply(event);
          if (event === 'start') {
            expect(applied).toBe(before !== 'running');
            if (applied) running += 1;
          } else {
            expect(applied).toBe(before === 'running');
            if (applied) running -= 1;
          }
          expect(running).toBe(machine.isRunning ? 1 : 0);
          if (!applied) expect(machine.state).toBe(before);
        }
      }),
    );
  });

  it('throws on a transition the diagram does not allow', () => {
    const machine = new RunStateMachine();
    expect(() => machine.apply('stop')).toThrow(/not allowed in state idle/);
    machine.apply('start');
    expect(() => machine.apply('start')).toThrow(/not allowed in state running/);
    expect(machine.apply('fail')).toBe('failed');
  });
});
