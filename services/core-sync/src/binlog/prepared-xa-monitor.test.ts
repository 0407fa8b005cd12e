import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.js';
import { BinlogPosition } from '../model/index.js';
import { PreparedTransactions } from './prepared-transactions.js';
import { PreparedXaMonitor } from './prepared-xa-monitor.js';

const minute = 60_000;
const preparedAt = Date.UTC(2025, 0, 1, 12, 0, 0);
const xid = "X'7831',X'',1";

function recordingMonitor(): {
  monitor: PreparedXaMonitor;
  store: PreparedTransactions;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  const logger = createLogger({ level: 'info', format: 'json', destination });
  const store = new PreparedTransactions();
  store.hold({
    xid,
    changes: [],
    echo: false,
    incompleteTables: [],
    restartPosition: new BinlogPosition('binlog.000004', 1200, '0-1-7'),
    preparedPosition: new BinlogPosition('binlog.000004', 1500, '0-1-8'),
    preparedAt,
  });
  return {
    monitor: new PreparedXaMonitor(store, logger, { warnAfterMs: 5 * minute, warnEveryMs: 15 * minute }),
    store,
    lines,
  };
}

describe('PreparedXaMonitor', () => {
  it('warns once a prepared transaction has waited too long, then periodically, and notes its decision', () => {
    const { monitor, store, lines } = recordingMonitor();
    expect(monitor.status).toEqual({
      count: 1,
      oldestXid: xid,
      oldestPreparedAt: preparedAt,
      restartPosition: new BinlogPosition('binlog.000004', 1200, '0-1-7'),
    });
    const warnings = () => lines.filter((line) => line.level === 'warn');
    for (const waitedMinutes of [1, 4.9, 5, 6, 19.9, 20, 21])
      monitor.check(preparedAt + waitedMinutes * minute);
    expect(warnings().map((line) => [line.waitedMs, line.xid, line.since, line.binlogPosition])).toEqual([
      [5 * minute, xid, '2025-01-01T12:00:00.000Z', 'binlog.000004:1200@0-1-7'],
      [20 * minute, xid, '2025-01-01T12:00:00.000Z', 'binlog.000004:1200@0-1-7'],
    ]);

    const decision = {
      xid,
      outcome: 'commit' as const,
      prepared: store.take(xid),
      position: new BinlogPosition('binlog.000005', 400),
    };
    monitor.decided(decision, preparedAt + 30 * minute);
    expect(lines.at(-1)).toMatchObject({
      msg: 'XA transaction decided after a long wait',
      xid,
      waitedMs: 30 * minute,
    });
    monitor.check(preparedAt + 60 * minute);
    expect(warnings()).toHaveLength(2);
    expect(monitor.status.count).toBe(0);
  });

  it('warns about an XA COMMIT whose prepare the stream never read', () => {
    const { monitor, lines } = recordingMonitor();
    const otherXid = "X'6f74686572',X'',1";
    monitor.decided(
      {
        xid: otherXid,
        outcome: 'commit',
        prepared: undefined,
        position: new BinlogPosition('binlog.000005', 400),
      },
      preparedAt,
    );
    expect(lines).toMatchObject([
      { level: 'warn', xid: otherXid, outcome: 'commit', binlogPosition: 'binlog.000005:400' },
    ]);
  });
});
