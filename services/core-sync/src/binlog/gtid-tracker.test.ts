import { describe, expect, it } from 'vitest';
import { BinlogPosition } from '../model/index.js';
import { createGtidTracker } from './gtid-tracker.js';

const uuid = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const at = (offset: number, file = 'binlog.000002'): BinlogPosition => new BinlogPosition(file, offset);

describe('MySQL GTID tracker', () => {
  it('adds each observed GTID to the start position’s set', () => {
    const tracker = createGtidTracker('mysql', `${uuid}:1-5`);
    tracker.observe(`${uuid}:6`);
    expect(tracker.stateAt(at(500))).toBe(`${uuid}:1-6`);
  });

  it('without a seed and without the server’s set, knows nothing', () => {
    const tracker = createGtidTracker('mysql', null);
    tracker.observe(`${uuid}:6`);
    expect(tracker.stateAt(at(500))).toBeNull();
  });

  it('with the server’s set read at a later position: unknown before it, that set and what follows from it on', () => {
    // Started at 100 with no GTID state; the server said 1-8 at binlog.000002:400.
    const tracker = createGtidTracker('mysql', null, { executed: `${uuid}:1-8`, from: at(400) });
    tracker.observe(`${uuid}:7`);
    expect(tracker.stateAt(at(250)), 'between the start and the read: 8 was not executed yet').toBeNull();
    tracker.observe(`${uuid}:8`);
    expect(tracker.stateAt(at(400))).toBe(`${uuid}:1-8`);
    tracker.observe(`${uuid}:9`);
    expect(tracker.stateAt(at(120, 'binlog.000003'))).toBe(`${uuid}:1-9`);
  });

  it('a seed wins over the server’s set', () => {
    const tracker = createGtidTracker('mysql', `${uuid}:1-3`, { executed: `${uuid}:1-8`, from: at(400) });
    tracker.observe(`${uuid}:4`);
    expect(tracker.stateAt(at(150))).toBe(`${uuid}:1-4`);
  });
});
