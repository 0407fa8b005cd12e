import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SyncError } from '../errors/index.js';
import { Scheduler } from './scheduler.js';
import type { SyncManager } from './sync-manager.js';
import type { DirectionStatus, RunProgress, ServiceStatus } from '../status/index.js';

const logger = pino({ level: 'silent' });

/** A stand-in for the sync manager that records triggers; `running` decides what a trigger meets. */
function recordingManager(): Pick<SyncManager, 'trigger' | 'isRunning'> & {
  running: boolean;
  triggers: { kind: string | undefined; triggeredBy: string }[];
} {
  const manager = {
    running: false,
    triggers: [] as { kind: string | undefined; triggeredBy: string }[],
    get isRunning() {
      return manager.running;
    },
    trigger(_request: unknown, triggeredBy: string, traceId: string, kind?: string): Promise<RunProgress> {
      if (manager.running) return Promise.reject(new SyncError('SYNC_ALREADY_RUNNING', 'busy'));
      manager.triggers.push({ kind, triggeredBy });
      return Promise.resolve({ runId: `run-${manager.triggers.length}`, traceId } as RunProgress);
    },
  };
  return manager;
}

function statusWithStream(state: string): ServiceStatus {
  const direction = {
    source: 'local',
    target: 'cloud',
    state: 'streaming',
    stream: { state, position: null, lagMs: null, reconnectAttempt: 1, lastError: null },
  } as unknown as DirectionStatus;
  return { mode: 'local_to_cloud', directions: [direction] };
}

const wait = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe('Scheduler', () => {
  it('starts a full sync on every tick of a per-second cron, and skips ticks while a run is active', async () => {
    const manager = recordingManager();
    const scheduler = new Scheduler({
      config: {
        enabled: true,
        interval: '* * * * * *',
        fallbackAfterMs: 60_000,
        resyncOnPurgedBinlog: false,
      },
      manager,
      status: () => statusWithStream('streaming'),
      logger,
    });
    scheduler.start();
    try {
      expect(scheduler.nextRun).toBeInstanceOf(Date);
      await wait(2_300);
      expect(manager.triggers.length).toBeGreaterThanOrEqual(2);
      expect(
        manager.triggers.every((trigger) => trigger.kind === 'scheduled' && trigger.triggeredBy === 'cron'),
      ).toBe(true);
      manager.running = true;
      const before = manager.triggers.length;
      await wait(2_100);
      expect(manager.triggers.length).toBe(before);
      expect(
        scheduler.outcomes.filter((outcome) => outcome === 'skipped-running').length,
      ).toBeGreaterThanOrEqual(2);
    } finally {
      scheduler.stop();
    }
  });

  it('does not schedule when disabled', async () => {
    const manager = recordingManager();
    const scheduler = new Scheduler({
      config: {
        enabled: false,
        interval: '* * * * * *',
        fallbackAfterMs: 60_000,
        resyncOnPurgedBinlog: false,
      },
      manager,
      status: () => statusWithStream('streaming'),
      logger,
    });
    scheduler.start();
    await wait(1_200);
    scheduler.stop();
    expect(scheduler.nextRun).toBeNull();
    expect(manager.triggers).toEqual([]);
  });

  it('runs one fallback full sync per outage of a stream that stays down too long', async () => {
    const manager = recordingManager();
    let streamState = 'reconnecting';
    const scheduler = new Scheduler({
      config: { enabled: false, interval: '* * * * *', fallbackAfterMs: 100, resyncOnPurgedBinlog: false },
      manager,
      status: () => statusWithStream(streamState),
      logger,
      fallbackCheckIntervalMs: 10,
    });
    scheduler.start();
    try {
      await wait(60);
      expect(manager.triggers).toEqual([]);
      await wait(200);
      expect(manager.triggers).toEqual([{ kind: 'fallback', triggeredBy: 'binlog-fallback' }]);
      await wait(200);
      expect(manager.triggers.length).toBe(1);
      streamState = 'streaming';
      await wait(50);
      streamState = 'reconnecting';
      await wait(300);
      expect(manager.triggers.length).toBe(2);
    } finally {
      scheduler.stop();
    }
  });
});

describe('Scheduler, tables waiting for adoption', () => {
  const disabled = {
    enabled: false,
    interval: '*/10 * * * *',
    fallbackAfterMs: 60_000,
    resyncOnPurgedBinlog: false,
  };

  /** A started scheduler checking every 20 ms; `adopting` is the status's list, changed by the test. */
  function adoptionScheduler(
    manager: ReturnType<typeof recordingManager>,
    adopting: string[],
    adoptAtOnce?: () => boolean,
  ): Scheduler & Disposable {
    const scheduler = new Scheduler({
      config: disabled,
      manager,
      status: () => ({ ...statusWithStream('streaming'), mode: 'bidirectional', adoptingTables: adopting }),
      ...(adoptAtOnce === undefined ? {} : { adoptAtOnce }),
      logger,
      fallbackCheckIntervalMs: 20,
    });
    scheduler.start();
    return Object.assign(scheduler, { [Symbol.dispose]: () => scheduler.stop() });
  }

  it('starts one adoption run at once, and after it did not settle them waits a minute before the next', async () => {
    const manager = recordingManager();
    using _scheduler = adoptionScheduler(manager, ['items']);
    expect(manager.triggers).toEqual([{ kind: 'adoption', triggeredBy: 'adoption' }]);
    // The run "failed": the tables still wait, but the next attempt is a minute away.
    await wait(200);
    expect(manager.triggers).toHaveLength(1);
  });

  it('waits while a run is active, and starts nothing once the tables are adopted', async () => {
    const manager = recordingManager();
    manager.running = true;
    const adopting = ['items'];
    using _scheduler = adoptionScheduler(manager, adopting);
    await wait(100);
    expect(manager.triggers).toEqual([]);
    adopting.length = 0;
    manager.running = false;
    await wait(100);
    expect(manager.triggers).toEqual([]);
  });

  it('with sync.realtime false leaves the adoption to the next run, so a preview can come first', async () => {
    const manager = recordingManager();
    using _scheduler = adoptionScheduler(manager, ['items'], () => false);
    await wait(100);
    expect(manager.triggers).toEqual([]);
  });
});
