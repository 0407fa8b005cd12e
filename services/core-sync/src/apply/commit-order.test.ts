import { describe, expect, it } from 'vitest';
import { CommitOrder, TurnAbortedError } from './commit-order.js';

const settled = async (promise: Promise<unknown>): Promise<string> =>
  Promise.race([
    promise.then(
      () => 'resolved',
      (error: unknown) => (error instanceof TurnAbortedError ? 'aborted' : 'rejected'),
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve('pending'), 20)),
  ]);

describe('CommitOrder', () => {
  it('gives each group its turn only after every earlier group committed', async () => {
    const order = new CommitOrder(60_000);
    const signal = new AbortController().signal;
    const third = order.waitForTurn(2, signal, true);
    const second = order.waitForTurn(1, signal, true);
    expect(await settled(order.waitForTurn(0, signal, true))).toBe('resolved');
    expect(await settled(second)).toBe('pending');
    order.committed(0);
    expect(await settled(second)).toBe('resolved');
    expect(await settled(third)).toBe('pending');
    order.committed(1);
    expect(await settled(third)).toBe('resolved');
    expect(() => order.committed(3)).toThrow(RangeError);
    order.stop();
  });

  it('tells waiting groups to roll back when the group whose turn it is has written for too long', async () => {
    const order = new CommitOrder(50);
    const signal = new AbortController().signal;
    order.started(0);
    const waiting = settled(order.waitForTurn(1, signal, true));
    expect(await waiting).toBe('pending');
    const waitingAgain = order.waitForTurn(1, signal, true).then(
      () => 'resolved',
      (error: unknown) => (error instanceof TurnAbortedError ? 'aborted' : 'rejected'),
    );
    expect(await waitingAgain).toBe('aborted');
    // Rerun without `abortable`: nothing unblocks it but the commits before it.
    const rerun = order.waitForTurn(1, signal, false);
    order.abortWaitingTurns();
    expect(await settled(rerun)).toBe('pending');
    order.committed(0);
    expect(await settled(rerun)).toBe('resolved');
    order.stop();
  });

  it('grants row claims in group order and stops every wait on abort', async () => {
    const order = new CommitOrder(60_000);
    const controller = new AbortController();
    const second = order.waitClaimed(0, controller.signal);
    expect(await settled(second)).toBe('pending');
    order.claimed(0);
    expect(await settled(second)).toBe('resolved');
    const committed = order.waitCommitted(5, controller.signal);
    controller.abort(new Error('stopping'));
    expect(await settled(committed)).toBe('rejected');
    order.stop();
  });
});
