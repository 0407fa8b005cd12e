import { describe, expect, it } from 'vitest';
import { compareRows, displayValue, draftFrom, mergedRow, valuesEqual } from './row-diff';

describe('compareRows', () => {
  it('marks exactly the columns whose values differ, in the local row’s column order', () => {
    const comparison = compareRows(
      { id: 1, label: 'local edit', price: '9.50', note: null },
      { id: 1, label: 'cloud edit', price: '9.50', note: '' },
    );
    expect(comparison.columns.map((column) => [column.column, column.differs])).toEqual([
      ['id', false],
      ['label', true],
      ['price', false],
      ['note', true],
    ]);
    expect(comparison.differingCount).toBe(2);
  });

  it('tells NULL from an empty string and a number from its text', () => {
    expect(valuesEqual(null, '')).toBe(false);
    expect(valuesEqual(1, '1')).toBe(false);
    expect(valuesEqual({ first: 1, second: [2] }, { second: [2], first: 1 })).toBe(true);
  });

  it('shows a row absent on one side (a delete against an update) with every column differing', () => {
    const comparison = compareRows(null, { id: 3, label: 'kept on cloud' });
    expect(comparison.localAbsent).toBe(true);
    expect(comparison.cloudAbsent).toBe(false);
    expect(comparison.columns).toEqual([
      { column: 'id', local: undefined, cloud: 3, inLocal: false, inCloud: true, differs: true },
      {
        column: 'label',
        local: undefined,
        cloud: 'kept on cloud',
        inLocal: false,
        inCloud: true,
        differs: true,
      },
    ]);
  });

  it('lists a column only one side has after the shared ones', () => {
    const comparison = compareRows({ id: 1, label: 'a' }, { id: 1, extra: 'b', label: 'a' });
    expect(
      comparison.columns.map((column) => [column.column, column.inLocal, column.inCloud, column.differs]),
    ).toEqual([
      ['id', true, true, false],
      ['label', true, true, false],
      ['extra', false, true, true],
    ]);
  });
});

describe('the merged row', () => {
  const comparison = compareRows(
    { id: 7, label: 'local', quantity: 3, note: null },
    { id: 7, label: 'cloud', quantity: 5, note: 'from cloud' },
  );

  it('starts from the chosen side', () => {
    expect(mergedRow(comparison, draftFrom(comparison, 'cloud'))).toEqual({
      id: 7,
      label: 'cloud',
      quantity: 5,
      note: 'from cloud',
    });
    expect(mergedRow(comparison, draftFrom(comparison, 'local'))).toEqual({
      id: 7,
      label: 'local',
      quantity: 3,
      note: null,
    });
  });

  it('keeps numbers numbers, NULL null, and sends text that is not a number as text for the service to judge', () => {
    const draft = {
      ...draftFrom(comparison, 'local'),
      label: { text: 'merged', isNull: false },
      quantity: { text: '12', isNull: false },
      note: { text: '', isNull: false },
    };
    expect(mergedRow(comparison, draft)).toEqual({ id: 7, label: 'merged', quantity: 12, note: '' });
    expect(mergedRow(comparison, { ...draft, quantity: { text: 'twelve', isNull: false } }).quantity).toBe(
      'twelve',
    );
    expect(mergedRow(comparison, { ...draft, label: { text: 'x', isNull: true } }).label).toBeNull();
  });

  it('sends every column: one without a cell as the NULL the editor shows', () => {
    const { note: _dropped, ...withoutNote } = draftFrom(comparison, 'cloud');
    expect(mergedRow(comparison, withoutNote)).toEqual({ id: 7, label: 'cloud', quantity: 5, note: null });
  });

  it('sends an unchanged cell as the exact stored value (bytes stay bytes), an edited bytes cell as its JSON', () => {
    const withBytes = compareRows(
      { id: 7, payload: { $base64: 'AP8=' }, price: '9.50' },
      { id: 7, payload: { $base64: 'EA==' }, price: '9.5' },
    );
    const fromCloud = draftFrom(withBytes, 'cloud');
    expect(mergedRow(withBytes, fromCloud)).toEqual({ id: 7, payload: { $base64: 'EA==' }, price: '9.5' });
    const edited = { ...fromCloud, payload: { text: '{"$base64":"qg=="}', isNull: false } };
    expect(mergedRow(withBytes, edited).payload).toEqual({ $base64: 'qg==' });
    const notJson = { ...fromCloud, payload: { text: 'plain text', isNull: false } };
    expect(mergedRow(withBytes, notJson).payload).toBe('plain text');
  });

  it('displays NULL, JSON and plain values', () => {
    expect(displayValue(null)).toBe('NULL');
    expect(displayValue({ tags: ['a'] })).toBe('{"tags":["a"]}');
    expect(displayValue('2025-01-02 03:04:05.123456')).toBe('2025-01-02 03:04:05.123456');
  });
});
