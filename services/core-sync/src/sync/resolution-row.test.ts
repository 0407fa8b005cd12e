import { describe, expect, it } from 'vitest';
import type { ColumnSchema, TableSchema } from '../model/index.js';
import type { ConflictRecord } from '../store/index.js';
import { resolutionRow, type ConflictChoice, type ResolutionTable } from './resolution-row.js';

function column(name: string, ordinal: number, generated = false): ColumnSchema {
  return {
    name,
    ordinal,
    dataType: 'varchar',
    columnType: 'varchar(40)',
    nullable: true,
    generated,
    autoUpdatedTimestamp: false,
    collation: 'utf8mb4_unicode_ci',
  };
}

function schema(names: readonly string[], generatedNames: readonly string[] = []): TableSchema {
  return {
    database: 'app',
    name: 'items',
    columns: names.map((name, index) => column(name, index + 1, generatedNames.includes(name))),
    primaryKey: ['id'],
    uniqueKeys: [],
    foreignKeys: [],
  };
}

const bothSides = (names: readonly string[], generatedNames: readonly string[] = []): ResolutionTable => ({
  primaryKey: ['id'],
  schemas: { local: schema(names, generatedNames), cloud: schema(names, generatedNames) },
});

const table = bothSides(['id', 'label', 'note', 'payload']);

const conflict: ConflictRecord = {
  id: 'conflict-1',
  tableName: 'items',
  primaryKeyValue: '{"id":7}',
  localData: { id: 7, label: 'local', note: null, payload: { $base64: 'AP8=' } },
  cloudData: { id: 7, label: 'cloud', note: 'cloud note', payload: { $base64: 'EA==' } },
  conflictType: 'update_update',
  detectedAt: new Date('2025-01-01T00:00:00.000Z'),
  resolved: false,
  resolutionStrategy: null,
  resolvedAt: null,
  resolvedData: null,
  resolvedBy: null,
  resolutionSide: null,
  resolutionColumns: null,
  sourcePosition: null,
};

const failure = (record: ConflictRecord, choice: ConflictChoice, resolutionTable = table) => {
  try {
    resolutionRow(record, choice, resolutionTable);
  } catch (error) {
    return error;
  }
  throw new Error('resolutionRow accepted the choice');
};

describe('resolutionRow', () => {
  it('writes every column given, in table order, and says nothing was filled', () => {
    const data = { payload: null, note: 'n', label: 'merged', id: 7 };
    const resolution = resolutionRow(conflict, { data, fillFrom: 'cloud' }, table);
    expect(resolution).toEqual({
      row: { id: 7, label: 'merged', note: 'n', payload: null },
      columns: { given: ['id', 'label', 'note', 'payload'], filledFrom: null, filled: [] },
    });
    expect(Object.keys(resolution.row ?? {})).toEqual(['id', 'label', 'note', 'payload']);
  });

  it('refuses data that leaves columns out without fillFrom, naming them', () => {
    expect(failure(conflict, { data: { id: 7, label: 'merged' } })).toMatchObject({
      code: 'CONFLICT_RESOLUTION_INCOMPLETE',
      message:
        'data leaves out columns note, payload of items: give every column, or name the side whose stored row fills the rest with "fillFrom": "local" or "cloud"',
      details: { missingColumns: ['note', 'payload'] },
    });
  });

  it('fills the columns left out from the named side, bytes and NULL exact; a given NULL stays NULL', () => {
    expect(resolutionRow(conflict, { data: { id: 7, note: null }, fillFrom: 'cloud' }, table)).toEqual({
      row: { id: 7, label: 'cloud', note: null, payload: Buffer.from([0x10]) },
      columns: { given: ['id', 'note'], filledFrom: 'cloud', filled: ['label', 'payload'] },
    });
    expect(resolutionRow(conflict, { data: { id: 7, label: 'merged' }, fillFrom: 'local' }, table)).toEqual({
      row: { id: 7, label: 'merged', note: null, payload: Buffer.from([0, 255]) },
      columns: { given: ['id', 'label'], filledFrom: 'local', filled: ['note', 'payload'] },
    });
  });

  it('refuses to fill from a side where the row is absent', () => {
    const deletedOnCloud = { ...conflict, cloudData: null, conflictType: 'update_delete' };
    expect(failure(deletedOnCloud, { data: { id: 7, label: 'x' }, fillFrom: 'cloud' })).toMatchObject({
      code: 'CONFLICT_RESOLUTION_INCOMPLETE',
      message:
        'fillFrom cloud: the row is absent on cloud (update_delete), so nothing there fills columns note, payload: give every column, or fill from the other side',
      details: { missingColumns: ['note', 'payload'] },
    });
    expect(
      resolutionRow(deletedOnCloud, { data: { id: 7, label: 'x' }, fillFrom: 'local' }, table).row,
    ).toEqual({ id: 7, label: 'x', note: null, payload: Buffer.from([0, 255]) });
  });

  it('refuses columns the table lacks on either side, naming them and the side', () => {
    const cloudWithoutNote = {
      primaryKey: ['id'],
      schemas: { local: table.schemas.local, cloud: schema(['id', 'label', 'payload']) },
    };
    expect(failure(conflict, { data: { id: 7, colour: 'red', size: 1 } })).toMatchObject({
      code: 'CONFLICT_RESOLUTION_INVALID',
      message: 'data: local.items has no columns colour, size',
      details: { unknownColumns: ['colour', 'size'], side: 'local' },
    });
    expect(
      failure(conflict, { data: { id: 7, note: 'n' }, fillFrom: 'local' }, cloudWithoutNote),
    ).toMatchObject({
      code: 'CONFLICT_RESOLUTION_INVALID',
      details: { unknownColumns: ['note'], side: 'cloud' },
    });
  });

  it('refuses a stored row that lacks a column added since, whether filling or keeping that side', () => {
    const widened = bothSides(['id', 'label', 'note', 'payload', 'added']);
    expect(failure(conflict, { data: { id: 7 }, fillFrom: 'local' }, widened)).toMatchObject({
      code: 'CONFLICT_RESOLUTION_INCOMPLETE',
      details: { missingColumns: ['added'] },
    });
    expect(failure(conflict, { side: 'cloud' }, widened)).toMatchObject({
      code: 'CONFLICT_RESOLUTION_INCOMPLETE',
      message: expect.stringContaining('the stored cloud row has no value for column added') as unknown,
    });
    expect(
      resolutionRow(conflict, { data: { id: 7, added: 'a' }, fillFrom: 'local' }, widened).columns,
    ).toEqual({ given: ['id', 'added'], filledFrom: 'local', filled: ['label', 'note', 'payload'] });
  });

  it('leaves generated columns to each server: not required, not written', () => {
    const withGenerated = bothSides(['id', 'label', 'note', 'payload', 'shout'], ['shout']);
    const data = { id: 7, label: 'a', note: null, payload: null, shout: 'A' };
    expect(resolutionRow(conflict, { data }, withGenerated)).toEqual({
      row: { id: 7, label: 'a', note: null, payload: null },
      columns: { given: ['id', 'label', 'note', 'payload'], filledFrom: null, filled: [] },
    });
  });

  it('keeps a side’s stored row as it is, and deletes on both sides when that side has none', () => {
    expect(resolutionRow(conflict, { side: 'local' }, table)).toEqual({
      row: { id: 7, label: 'local', note: null, payload: Buffer.from([0, 255]) },
      columns: null,
    });
    expect(resolutionRow({ ...conflict, localData: null }, { side: 'local' }, table)).toEqual({
      row: null,
      columns: null,
    });
  });

  it('refuses data that changes or lacks the key, or is not a row', () => {
    expect(failure(conflict, { data: { id: 8, label: 'x' }, fillFrom: 'local' })).toMatchObject({
      code: 'CONFLICT_RESOLUTION_INVALID',
      message: 'data: the primary key must stay {"id":7}',
    });
    expect(failure(conflict, { data: { label: 'x' }, fillFrom: 'local' })).toMatchObject({
      code: 'CONFLICT_RESOLUTION_INVALID',
      message: 'data: the primary key column id is missing',
    });
    expect(failure(conflict, { data: { id: 7, label: { nested: true } } })).toMatchObject({
      code: 'CONFLICT_RESOLUTION_INVALID',
      message: expect.stringMatching(/^data: column label: expected a string/) as unknown,
    });
  });
});
