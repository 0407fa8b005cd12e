import { describe, expect, it } from 'vitest';
import { GtidHistory } from './gtid-history.js';

const primary = '27a006be-f212-11f1-a61c-02fc00000001';
const replica = '28ada100-f212-11f1-8595-02fc00000001';

describe('GtidHistory', () => {
  it('MySQL: holds exactly the transactions of its set, and compares sets', () => {
    const state = GtidHistory.parse(`${primary}:1-35:40`, 'mysql');
    expect(state.contains(`${primary}:35`)).toBe(true);
    expect(state.contains(`${primary}:36`)).toBe(false);
    expect(state.contains(`${primary}:40`)).toBe(true);
    expect(state.contains(`${replica}:1`)).toBe(false);
    expect(state.includes(GtidHistory.parse(`${primary}:2-30`, 'mysql'))).toBe(true);
    expect(state.includes(GtidHistory.parse(`${primary}:30-36`, 'mysql'))).toBe(false);
    const executed = GtidHistory.empty('mysql');
    for (let number = 1; number <= 35; number += 1) executed.add(`${primary}:${number}`);
    expect(executed.equals(state)).toBe(false);
    executed.add(`${primary}:40`);
    expect(executed.equals(state)).toBe(true);
    expect(executed.toString()).toBe(`${primary}:1-35:40`);
  });

  it('MySQL: a source the state does not know is set apart', () => {
    const state = GtidHistory.parse(`${primary}:1-5`, 'mysql');
    expect([...state.sources()]).toEqual([primary]);
    expect(GtidHistory.sourceOf(`${replica}:7`)).toBe(replica);
    const mixed = GtidHistory.parse(`${primary}:1-5,${replica}:1-3`, 'mysql');
    expect(state.includes(mixed)).toBe(false);
    expect(state.equals(mixed.restrictedTo(state.sources()))).toBe(true);
  });

  it('MariaDB: a domain holds every sequence number up to its last, and one history only', () => {
    const state = GtidHistory.parse('0-181-40,1-5-7', 'mariadb');
    expect(state.contains('0-181-12')).toBe(true);
    expect(state.contains('0-181-41')).toBe(false);
    expect(state.contains('2-181-1')).toBe(false);
    expect(state.includes(GtidHistory.parse('0-181-39', 'mariadb'))).toBe(true);
    // The same sequence number written by another server is another history of the domain.
    expect(state.includes(GtidHistory.parse('0-182-40', 'mariadb'))).toBe(false);
    const executed = GtidHistory.parse('1-5-7', 'mariadb');
    executed.add('0-182-40');
    expect(executed.equals(state)).toBe(false);
    executed.add('0-181-40');
    expect(executed.equals(state)).toBe(true);
    expect(executed.toString()).toBe('0-181-40,1-5-7');
    expect(GtidHistory.sourceOf('3-9-100')).toBe('3');
    expect([...state.restrictedTo(new Set(['1'])).sources()]).toEqual(['1']);
  });
});
