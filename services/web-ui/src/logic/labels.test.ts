import { describe, expect, it } from 'vitest';
import { conflictTypeLabel, knownConflictTypes, runKindLabel, runKindLabels } from './labels';

describe('run kinds', () => {
  it('has a label and an explanation for every kind the API sends, adoption included', () => {
    expect(Object.keys(runKindLabels).sort()).toEqual([
      'adoption',
      'fallback',
      'initial',
      'manual',
      'scheduled',
    ]);
    for (const label of Object.values(runKindLabels)) {
      expect(label.label).not.toBe('');
      expect(label.explanation).not.toBe('');
    }
    expect(runKindLabel('adoption')).toEqual({
      label: 'adoption',
      explanation:
        'settles the differences of tables adopted with rows on both sides (both directions already stream them)',
    });
  });
});

describe('conflict types', () => {
  it('labels each type core-sync stores, and a type it does not know as it is', () => {
    expect(knownConflictTypes.map((type) => conflictTypeLabel(type).label)).toEqual([
      'insert / insert',
      'update / update',
      'update / delete',
      'delete / update',
      'insert or delete?',
    ]);
    expect(conflictTypeLabel('insert_or_delete').explanation).toBe(
      'the row is on one side only, and the binlogs cannot tell whether it was added there or deleted on the other side',
    );
    expect(conflictTypeLabel('schema_drift')).toEqual({
      label: 'schema drift',
      explanation: 'conflict type schema_drift',
    });
  });
});
