import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('durations', () => {
  it('reads units and plain milliseconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration(' 2 s ')).toBe(2_000);
    expect(parseDuration('1500')).toBe(1_500);
    expect(parseDuration(250)).toBe(250);
  });

  it('rejects anything else', () => {
    for (const text of ['', 's', '1.5s', '-1s', '5 minutes', '1d', '1h30m', 'ms10']) {
      expect(parseDuration(text), text).toBeUndefined();
    }
    for (const value of [-1, 1.5, Number.NaN, true, null, undefined, ['1s']]) {
      expect(parseDuration(value), String(value)).toBeUndefined();
    }
  });

  it('formats with the largest exact unit', () => {
    expect(formatDuration(0)).toBe('0ms');
    expect(formatDuration(1_500)).toBe('1500ms');
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1_800_000)).toBe('30m');
    expect(formatDuration(7_200_000)).toBe('2h');
  });

  it('parses what it formats, and any amount with any unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (milliseconds) => {
        expect(parseDuration(formatDuration(milliseconds))).toBe(milliseconds);
      }),
    );
    const unitMilliseconds = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.constantFrom('ms', 's', 'm', 'h'),
        (amount, unit: keyof typeof unitMilliseconds) => {
          expect(parseDuration(`${amount}${unit}`)).toBe(amount * unitMilliseconds[unit]);
        },
      ),
    );
  });
});
