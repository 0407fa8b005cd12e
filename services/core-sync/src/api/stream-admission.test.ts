import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isSyncError } from '../errors/index.js';
import { ServiceEvents, type ServiceEvent } from '../events/index.js';
import { SseHub } from './sse-hub.js';
import {
  StreamAdmission,
  streamRetryAfterSeconds,
  type StreamCap,
  type StreamClientObserver,
} from './stream-admission.js';
import { FakeConnection } from './testing/fake-sse-connection.js';

const callers = ['admin', 'read-only-0', 'read-only-1'] as const;
type CallerLabel = (typeof callers)[number];

/** How a stream ends in a step; `connect` opens one. */
const endings = ['close', 'fail', 'overflow', 'stall'] as const;
type Ending = (typeof endings)[number];

type Step =
  | { readonly kind: 'connect'; readonly caller: CallerLabel }
  | { readonly kind: Ending; readonly pick: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('connect' as const), caller: fc.constantFrom(...callers) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom(...endings), pick: fc.nat(20) }) },
);

class RecordingObserver implements StreamClientObserver {
  readonly counts: number[] = [];
  readonly refusals: StreamCap[] = [];
  readonly drops: string[] = [];

  connected(count: number): void {
    this.counts.push(count);
  }

  refused(cap: StreamCap): void {
    this.refusals.push(cap);
  }

  dropped(reason: 'buffer_full' | 'stalled'): void {
    this.drops.push(reason);
  }
}

const bufferBytes = 1000;
const heartbeatMs = 1000;
const stallTimeoutMs = 2000;

function lag(rowsPerSecond: number): ServiceEvent {
  return { type: 'lag', direction: 'local_to_cloud', lagMs: 1, queueDepth: 0, rowsPerSecond, position: null };
}

/** What happened over all runs of the property, so that it cannot pass without exercising every path. */
const outcomes = new Map<string, number>();
function tally(outcome: string): void {
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
}

interface OpenStream {
  readonly caller: CallerLabel;
  readonly connection: FakeConnection;
}

/** Runs the steps against a hub and checks every answer and count against the model (plain counts per caller). */
function runAgainstModel(
  limits: { maxClients: number; maxClientsPerCaller: number },
  steps: readonly Step[],
) {
  const events = new ServiceEvents((error) => {
    throw error;
  });
  const observer = new RecordingObserver();
  const hub = new SseHub({
    events,
    logger: pino({ level: 'silent' }),
    limits,
    observer,
    heartbeatMs,
    stallTimeoutMs,
    maxClientBufferBytes: bufferBytes,
  });
  const model = new Map<CallerLabel, number>();
  const modelTotal = (): number => [...model.values()].reduce((total, count) => total + count, 0);
  const open: OpenStream[] = [];
  const expectedDrops: string[] = [];
  const expectedRefusals: StreamCap[] = [];
  let published = 0;

  const connect = (caller: CallerLabel): void => {
    const perCaller = model.get(caller) ?? 0;
    const expected: StreamCap | null =
      perCaller >= limits.maxClientsPerCaller
        ? 'per_token'
        : modelTotal() >= limits.maxClients
          ? 'global'
          : null;
    let refusedBy: unknown = null;
    try {
      const connection = new FakeConnection();
      hub.attach(hub.admit(caller), connection, undefined);
      open.push({ caller, connection });
      model.set(caller, perCaller + 1);
    } catch (error) {
      if (!isSyncError(error) || error.code !== 'TOO_MANY_STREAMS') throw error;
      refusedBy = error.details?.cap;
      const limit = expected === 'per_token' ? limits.maxClientsPerCaller : limits.maxClients;
      expect(error.details).toEqual({ cap: expected, limit, retryAfterSeconds: streamRetryAfterSeconds });
      expect(error.message).toContain(`${limit}`);
    }
    expect({ caller, refusedBy }).toEqual({ caller, refusedBy: expected });
    if (expected !== null) expectedRefusals.push(expected);
    tally(expected === null ? 'accepted' : `refused ${expected}`);
  };

  const end = (ending: Ending, pick: number): void => {
    const [stream] = open.splice(pick % open.length, 1);
    if (stream === undefined) return;
    const { connection, caller } = stream;
    switch (ending) {
      case 'close':
        connection.emit('close');
        break;
      case 'fail':
        connection.emit('error', new Error('write ECONNRESET'));
        connection.emit('close');
        break;
      case 'overflow':
        connection.writableLength = bufferBytes;
        published += 1;
        events.publish(lag(published));
        expectedDrops.push('buffer_full');
        break;
      case 'stall':
        connection.accepting = false;
        published += 1;
        events.publish(lag(published));
        vi.advanceTimersByTime(stallTimeoutMs + heartbeatMs);
        expectedDrops.push('stalled');
        break;
    }
    model.set(caller, (model.get(caller) ?? 0) - 1);
    tally(ending);
  };

  for (const step of steps) {
    if (step.kind === 'connect') connect(step.caller);
    else if (open.length > 0) end(step.kind, step.pick);
    expect([hub.admittedCount, hub.clientCount]).toEqual([modelTotal(), modelTotal()]);
    expect(observer.counts.at(-1) ?? 0).toBe(modelTotal());
    // Nobody is dropped to make room, and a client that goes takes nobody with it.
    expect(open.filter((stream) => stream.connection.destroyed || stream.connection.writableEnded)).toEqual(
      [],
    );
    expect(observer.drops).toEqual(expectedDrops);
    expect(observer.refusals).toEqual(expectedRefusals);
  }
  hub.close();
  expect([hub.admittedCount, observer.counts.at(-1) ?? 0]).toEqual([0, 0]);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('event-stream caps', () => {
  it('admits, refuses and releases exactly as a model of the counts per caller says', () => {
    outcomes.clear();
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(stepArbitrary, { maxLength: 40 }),
        (maxClients, maxClientsPerCaller, steps) => {
          vi.useFakeTimers();
          try {
            runAgainstModel({ maxClients, maxClientsPerCaller }, steps);
          } finally {
            vi.useRealTimers();
          }
        },
      ),
      { numRuns: 200 },
    );
    // Every path was taken many times, so the property was not met by skipping them.
    const paths = ['accepted', 'refused per_token', 'refused global', ...endings];
    const rarelyTaken = paths.filter((path) => (outcomes.get(path) ?? 0) < 20);
    expect(rarelyTaken, JSON.stringify(Object.fromEntries(outcomes))).toEqual([]);
  });

  it('names the cap and its value, and says when to retry', () => {
    const admission = new StreamAdmission({ maxClients: 3, maxClientsPerCaller: 2 });
    admission.admit('admin');
    admission.admit('admin');
    expect(() => admission.admit('admin')).toThrow(
      expect.objectContaining({
        code: 'TOO_MANY_STREAMS',
        httpStatus: 429,
        message:
          'too many event streams for the token admin: it may have 2 open at once ' +
          '(server.event_stream_max_clients_per_token); close one, or retry in 10 s',
        details: { cap: 'per_token', limit: 2, retryAfterSeconds: 10 },
      }),
    );
    const reader = admission.admit('read-only-0');
    expect(() => admission.admit('read-only-1')).toThrow(
      expect.objectContaining({
        message:
          'too many event streams: the service serves 3 at once (server.event_stream_max_clients); retry in 10 s',
        details: { cap: 'global', limit: 3, retryAfterSeconds: 10 },
      }),
    );
    reader.release();
    reader.release();
    expect([admission.connected, admission.connectedOf('read-only-0')]).toEqual([2, 0]);
    admission.admit('read-only-1');
    expect(admission.connected).toBe(3);
  });
});
