import { describe, expect, it } from 'vitest';
import {
  formatPath,
  listFromLines,
  parsePath,
  placeProblems,
  shownPaths,
  valueAt,
  valueFromInput,
  withValueAt,
} from './config-form';

const document = {
  sync: {
    mode: 'bidirectional',
    workers: 4,
    tables: [
      { name: 'users', primary_key: 'id', conflict_resolution: 'manual' },
      { name: 'orders', primary_key: 'id', conflict_resolution: 'last_write_wins' },
    ],
  },
  server: { port: 8080, auth_token: '[redacted]', cors_origins: ['http://localhost:3000'] },
};

describe('key paths', () => {
  it('round-trip between the API’s text form and segments', () => {
    for (const text of ['sync.workers', 'sync.tables[1].timestamp_column', 'server.cors_origins[0]']) {
      expect(formatPath(parsePath(text))).toBe(text);
    }
    expect(parsePath('sync.tables[12].name')).toEqual(['sync', 'tables', 12, 'name']);
  });

  it('read and replace values without touching the original document', () => {
    const edited = withValueAt(document, ['sync', 'tables', 1, 'name'], 'invoices');
    expect(valueAt(edited, ['sync', 'tables', 1, 'name'])).toBe('invoices');
    expect(valueAt(document, ['sync', 'tables', 1, 'name'])).toBe('orders');
    expect(valueAt(edited, ['sync', 'tables', 0])).toBe(valueAt(document, ['sync', 'tables', 0]));
  });

  it('remove a list entry with undefined', () => {
    const edited = withValueAt(document, ['sync', 'tables', 0], undefined);
    expect(valueAt(edited, ['sync', 'tables'])).toEqual([document.sync.tables[1]]);
  });
});

describe('input values', () => {
  it('keep a number field a number when its text is one, and keep other text for the API to refuse', () => {
    expect(valueFromInput(4, '8')).toBe(8);
    expect(valueFromInput(4, '-1')).toBe(-1);
    expect(valueFromInput(4, '')).toBe('');
    expect(valueFromInput(4, 'many')).toBe('many');
    expect(valueFromInput('1s', '2s')).toBe('2s');
  });

  it('read lists one entry per line', () => {
    expect(listFromLines('http://a.example\n\n  https://b.example  \n')).toEqual([
      'http://a.example',
      'https://b.example',
    ]);
  });
});

describe('placeProblems', () => {
  const shown = shownPaths(document);

  it('puts a problem at its own field', () => {
    const placement = placeProblems([{ path: 'sync.workers', message: 'must be at least 1' }], shown);
    expect(placement.byPath.get('sync.workers')).toEqual(['must be at least 1']);
    expect(placement.unplaced).toEqual([]);
  });

  it('puts a problem about a key the document lacks on the nearest group, naming the key', () => {
    const placement = placeProblems(
      [
        {
          path: 'sync.tables[1].timestamp_column',
          message: 'required when conflict_resolution is last_write_wins',
        },
      ],
      shown,
    );
    expect(placement.byPath.get('sync.tables[1]')).toEqual([
      'sync.tables[1].timestamp_column: required when conflict_resolution is last_write_wins',
    ]);
  });

  it('collects several problems of one field, and keeps problems the form cannot show for the summary', () => {
    const placement = placeProblems(
      [
        { path: 'server.port', message: 'must be an integer' },
        { path: 'server.port', message: 'must be at most 65535' },
        { path: '', message: 'the service could not start with it: table ghost does not exist' },
        { path: 'MYSQL_SYNC_SERVER__PORT', message: 'is not a number' },
      ],
      shown,
    );
    expect(placement.byPath.get('server.port')).toEqual(['must be an integer', 'must be at most 65535']);
    expect(placement.unplaced.map((problem) => problem.path)).toEqual(['', 'MYSQL_SYNC_SERVER__PORT']);
  });
});
