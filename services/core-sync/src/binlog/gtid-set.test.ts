import { describe, expect, it } from 'vitest';
import { GtidSet } from './gtid-set.js';

describe('GtidSet', () => {
  it('merges GTIDs into intervals and prints them as the server does, tags after the untagged ones', () => {
    const set = GtidSet.parse('655b40c3-f1f6-11f1-8359-02fc00000001:1-12');
    set.add('655b40c3-f1f6-11f1-8359-02fc00000001:13');
    set.add('655b40c3-f1f6-11f1-8359-02fc00000001:mytag:1');
    set.add('655b40c3-f1f6-11f1-8359-02fc00000001:15');
    expect(set.toString()).toBe('655b40c3-f1f6-11f1-8359-02fc00000001:1-13:15:mytag:1');
    set.add('655b40c3-f1f6-11f1-8359-02fc00000001:14');
    expect(set.toString()).toBe('655b40c3-f1f6-11f1-8359-02fc00000001:1-15:mytag:1');
  });

  it('reads what it prints, tags included', () => {
    const text =
      '0a8a4e3c-0000-11f1-8000-000000000002:5:alpha:1-3:beta:7,655b40c3-f1f6-11f1-8359-02fc00000001:1-2';
    expect(GtidSet.parse(text).toString()).toBe(
      '0a8a4e3c-0000-11f1-8000-000000000002:5:alpha:1-3:beta:7,655b40c3-f1f6-11f1-8359-02fc00000001:1-2',
    );
  });

  it('refuses what is not a GTID', () => {
    expect(() => new GtidSet().add('not a gtid')).toThrow(/not a MySQL GTID/);
  });
});
