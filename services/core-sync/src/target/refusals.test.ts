import { describe, expect, it } from 'vitest';
import { SyncError } from '../errors/index.js';
import { TableWriteError } from './batch-writer.js';
import { describeTargetRefusal, heldChangesMessage, rowForPause, stoppedCopyMessage } from './refusals.js';

function driverError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('describeTargetRefusal', () => {
  it('reads a read-only target from the driver code, also when wrapped, and says what to do', () => {
    const refused = driverError(
      'ER_OPTION_PREVENTS_STATEMENT',
      'The MariaDB server is running with the --read-only option so it cannot execute this statement',
    );
    const refusal = describeTargetRefusal(new TableWriteError('orders', refused), 'cloud');
    expect(refusal).toEqual({
      reason: 'target-read-only',
      code: 'TARGET_READ_ONLY',
      problem: 'cloud is read-only',
      serverSaid: `ER_OPTION_PREVENTS_STATEMENT: ${refused.message}`,
      remedy:
        'make cloud writable (SET GLOBAL read_only = OFF) or point databases.cloud at the writable primary, then resume (POST /api/v1/sync/resume) or restart core-sync',
      errorCode: 'ER_OPTION_PREVENTS_STATEMENT',
      row: null,
    });
    if (refusal === undefined) return;
    expect(heldChangesMessage(refusal, 'orders')).toBe(
      `cloud is read-only (ER_OPTION_PREVENTS_STATEMENT: ${refused.message}); the batch was rolled back and the ` +
        'changes of orders are held from here on (nothing is lost): make cloud writable (SET GLOBAL read_only = ' +
        'OFF) or point databases.cloud at the writable primary, then resume (POST /api/v1/sync/resume) or restart core-sync',
    );
  });

  it('reads a full target (table or disk) and a row too large', () => {
    expect(
      describeTargetRefusal(driverError('ER_RECORD_FILE_FULL', "The table 'orders' is full"), 'local'),
    ).toMatchObject({ reason: 'target-full', code: 'TARGET_FULL', problem: 'local is full' });
    expect(describeTargetRefusal(driverError('ER_DISK_FULL', 'Disk full'), 'local')).toMatchObject({
      reason: 'target-full',
    });
    const tooLarge = new SyncError('ROW_TOO_LARGE', 'the row of files with id=7 needs 9 bytes', {
      details: { row: { id: 7, payload: '<9 bytes>' } },
    });
    const refusal = describeTargetRefusal(
      new SyncError('SNAPSHOT_FAILED', 'failed to copy table files', {
        cause: new TableWriteError('files', tooLarge),
      }),
      'cloud',
    );
    expect(refusal).toMatchObject({
      reason: 'row-too-large',
      code: 'ROW_TOO_LARGE',
      serverSaid: null,
      errorCode: null,
      row: { id: 7, payload: '<9 bytes>' },
    });
    if (refusal === undefined) return;
    expect(stoppedCopyMessage(refusal, 'files')).toMatch(
      /^cloud cannot take a row in one statement: the row of files with id=7 needs 9 bytes; the copy of files stopped .*: raise max_allowed_packet on cloud/,
    );
  });

  it('leaves other errors alone: connection faults are retried, rejected rows are found one by one', () => {
    expect(describeTargetRefusal(driverError('ECONNRESET', 'read ECONNRESET'), 'cloud')).toBeUndefined();
    expect(describeTargetRefusal(driverError('ER_DATA_TOO_LONG', 'Data too long'), 'cloud')).toBeUndefined();
    expect(describeTargetRefusal(new Error('no code'), 'cloud')).toBeUndefined();
  });
});

describe('rowForPause', () => {
  it('keeps short values and shows long ones cut short or as their size', () => {
    expect(
      rowForPause({
        id: 1,
        name: 'short',
        body: 'y'.repeat(1_000),
        file: Buffer.alloc(5_000),
        small: Buffer.from('ab'),
      }),
    ).toEqual({
      id: 1,
      name: 'short',
      body: `${'y'.repeat(256)}… (1000 characters)`,
      file: '<5000 bytes>',
      small: Buffer.from('ab'),
    });
  });
});
