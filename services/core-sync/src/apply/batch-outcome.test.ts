import { describe, expect, it } from 'vitest';
import { SyncError } from '../errors/index.js';
import {
  decideOnFailure,
  maxPrimaryKeyRaceRetries,
  maxSchemaReloads,
  refusedRowPause,
  retryDelayMs,
} from './batch-outcome.js';
import { TableWriteError, UniqueKeyCollisionError } from '../target/index.js';
import { TurnAbortedError } from './commit-order.js';

function driverError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

const oneWay = { attempt: 1, targetName: 'cloud', conflictChecked: false } as const;
const bidirectional = { ...oneWay, conflictChecked: true } as const;

describe('decideOnFailure', () => {
  it('reruns a group told to roll back for an earlier one in its turn', () => {
    expect(decideOnFailure(new TurnAbortedError(), oneWay)).toEqual({ action: 'rerun-in-turn' });
  });

  it('reads the schemas again when the target lacks a column, while rows follow its columns, a few times, then pauses', () => {
    const missing = new TableWriteError(
      'items',
      driverError('ER_BAD_FIELD_ERROR', "Unknown column 'x' in 'field list'"),
    );
    const following = { ...bidirectional, followsTargetColumns: true };
    expect(decideOnFailure(missing, following)).toEqual({ action: 'reload-schemas' });
    // The conflict check's read fails the same way, outside the table's write.
    expect(decideOnFailure(driverError('ER_BAD_FIELD_ERROR'), following)).toEqual({
      action: 'reload-schemas',
    });
    // Counted by reloads, not attempts: a group retried for other reasons first still reads the schemas again.
    expect(decideOnFailure(missing, { ...following, attempt: 9, schemaReloads: 1 })).toEqual({
      action: 'reload-schemas',
    });
    expect(decideOnFailure(missing, { ...following, schemaReloads: maxSchemaReloads })).toMatchObject({
      action: 'pause-table',
      table: 'items',
    });
    // A table swapped under the statement (an online schema change tool) is read again too.
    const swapped = new TableWriteError(
      'items',
      driverError('ER_NO_SUCH_TABLE', "Table 'shop._items_new' doesn't exist"),
    );
    expect(decideOnFailure(swapped, following)).toEqual({ action: 'reload-schemas' });
    // Rows that do not follow the target's columns (one-way): the target refused the row.
    expect(decideOnFailure(missing, bidirectional)).toMatchObject({ action: 'pause-table', table: 'items' });
  });

  it('retries at once a duplicate primary key met by a conflict check, a few times, then pauses the table', () => {
    const race = new TableWriteError(
      'items',
      driverError('ER_DUP_ENTRY', "Duplicate entry '7' for key 'PRIMARY'"),
    );
    expect(decideOnFailure(race, bidirectional)).toEqual({ action: 'retry-now' });
    expect(decideOnFailure(race, { ...bidirectional, attempt: maxPrimaryKeyRaceRetries + 1 })).toMatchObject({
      action: 'pause-table',
      table: 'items',
    });
    // One-way, or on another unique key, it is a refusal of the row.
    expect(decideOnFailure(race, oneWay)).toMatchObject({ action: 'pause-table' });
    const secondary = new TableWriteError(
      'items',
      driverError('ER_DUP_ENTRY', "Duplicate entry 'a' for key 'email'"),
    );
    expect(decideOnFailure(secondary, bidirectional)).toMatchObject({
      action: 'pause-table',
      table: 'items',
    });
  });

  it('holds every table of the group when the target refuses all writes', () => {
    const readOnly = new TableWriteError('items', driverError('ER_OPTION_PREVENTS_STATEMENT'));
    expect(decideOnFailure(readOnly, oneWay)).toMatchObject({
      action: 'pause-tables',
      refusal: { reason: 'target-read-only', code: 'TARGET_READ_ONLY' },
    });
    expect(decideOnFailure(driverError('ER_DISK_FULL'), oneWay)).toMatchObject({
      action: 'pause-tables',
      refusal: { reason: 'target-full' },
    });
  });

  it('pauses the table of a refused row, including a collision on a unique key the upsert guard caught', () => {
    const collision = new TableWriteError(
      'users',
      new UniqueKeyCollisionError('users', driverError('ER_BAD_NULL_ERROR', "Column 'id' cannot be null")),
    );
    expect(decideOnFailure(collision, oneWay)).toMatchObject({ action: 'pause-table', table: 'users' });
    expect(
      decideOnFailure(new TableWriteError('users', driverError('ER_DATA_TOO_LONG')), oneWay),
    ).toMatchObject({
      action: 'pause-table',
    });
  });

  it('backs off on deadlocks, lock waits and lost connections, and stops on errors that are not the target’s', () => {
    for (const code of [
      'ER_LOCK_DEADLOCK',
      'ER_LOCK_WAIT_TIMEOUT',
      'ECONNRESET',
      'PROTOCOL_CONNECTION_LOST',
    ]) {
      expect(decideOnFailure(new TableWriteError('items', driverError(code)), oneWay)).toEqual({
        action: 'retry-later',
      });
    }
    expect(decideOnFailure(new TypeError('undefined is not a function'), oneWay)).toEqual({
      action: 'fatal',
    });
    expect(decideOnFailure(new SyncError('INTERNAL', 'bug'), oneWay)).toEqual({ action: 'fatal' });
  });
});

describe('retryDelayMs', () => {
  it('doubles from the initial delay up to the maximum, with jitter of at most half', () => {
    for (const [attempt, full] of [
      [1, 200],
      [2, 400],
      [4, 1_600],
      [30, 10_000],
    ] as const) {
      const delay = retryDelayMs(attempt, 200, 10_000);
      expect(delay).toBeGreaterThanOrEqual(full / 2);
      expect(delay).toBeLessThanOrEqual(full);
    }
  });
});

describe('refusedRowPause', () => {
  it("names a refused row's table and the server's error code", () => {
    const refused = driverError('ER_DATA_TOO_LONG', "Data too long for column 'name' at row 1");
    const pause = refusedRowPause(refused, 'items', 'cloud');
    expect(pause).toMatchObject({
      reason: 'row-rejected',
      code: 'ROW_REJECTED',
      errorCode: 'ER_DATA_TOO_LONG',
    });
    expect(pause.message).toContain("the target refused a row of items: Data too long for column 'name'");
  });

  it('keeps the code and remedy of a target that refuses every write', () => {
    const readOnly = driverError(
      'ER_OPTION_PREVENTS_STATEMENT',
      'The MariaDB server is running with the --read-only option so it cannot execute this statement',
    );
    const pause = refusedRowPause(readOnly, 'items', 'cloud');
    expect(pause).toMatchObject({
      reason: 'target-read-only',
      code: 'TARGET_READ_ONLY',
      errorCode: 'ER_OPTION_PREVENTS_STATEMENT',
    });
    expect(pause.message).toContain('the changes of items are held from here on');
  });
});
