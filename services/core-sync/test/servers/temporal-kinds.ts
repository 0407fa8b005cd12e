/** Date and time columns of the type matrix: negative TIMEs at every precision (F8), dates, DATETIMEs, TIMESTAMPs. */
import fc from 'fast-check';
import { nullable, type ColumnKind } from './kind-support.js';

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

function timeKind(name: string, digits: number): ColumnKind {
  const edges = ['-00:00:00', '-00:01:00', '-12:00:00', '838:59:59', '-838:59:59', '00:00:00'].map((text) =>
    digits > 0 && !text.startsWith('-838') && !text.startsWith('838')
      ? `${text}.${'0'.repeat(digits - 1)}1`
      : text,
  );
  const random = fc
    .tuple(
      fc.boolean(),
      fc.integer({ min: 0, max: 837 }),
      fc.integer({ min: 0, max: 59 }),
      fc.integer({ min: 0, max: 59 }),
      fc.integer({ min: 0, max: 10 ** digits - 1 }),
    )
    .map(
      ([negative, hours, minutes, seconds, fraction]) =>
        `${negative ? '-' : ''}${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}` +
        (digits > 0 ? `.${pad(fraction, digits)}` : ''),
    );
  const step = digits > 0 ? `00:00:00.${'0'.repeat(digits - 1)}1` : '00:00:01';
  return {
    name,
    definition: () => `TIME${digits > 0 ? `(${digits})` : ''} NULL`,
    values: nullable(fc.oneof(fc.constantFrom(...edges), random).map((text) => `'${text}'`)),
    nudge: (column) =>
      `IF(${column} > '00:00:00', SUBTIME(${column}, '${step}'), ADDTIME(${column}, '${step}'))`,
  };
}

const dates = fc
  .tuple(
    fc.integer({ min: 1000, max: 9999 }),
    fc.integer({ min: 1, max: 12 }),
    fc.integer({ min: 1, max: 28 }),
  )
  .map(([year, month, day]) => `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`);

const clock = (digits: number): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.integer({ min: 0, max: 23 }),
      fc.integer({ min: 0, max: 59 }),
      fc.integer({ min: 0, max: 59 }),
      fc.integer({ min: 0, max: 10 ** digits - 1 }),
    )
    .map(
      ([hours, minutes, seconds, fraction]) =>
        `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}${digits > 0 ? `.${pad(fraction, digits)}` : ''}`,
    );

export const temporalKinds: readonly ColumnKind[] = [
  timeKind('time0', 0),
  timeKind('time1', 1),
  timeKind('time3', 3),
  timeKind('time6', 6),
  {
    name: 'date_value',
    definition: () => 'DATE NULL',
    values: nullable(fc.oneof(fc.constantFrom('1000-01-01', '9999-12-31'), dates).map((text) => `'${text}'`)),
    nudge: (column) => `IF(${column} > '2000-01-01', ${column} - INTERVAL 1 DAY, ${column} + INTERVAL 1 DAY)`,
  },
  {
    name: 'datetime6',
    definition: () => 'DATETIME(6) NULL',
    values: nullable(
      fc
        .oneof(
          fc.constantFrom('1000-01-01 00:00:00.000000', '9999-12-31 23:59:59.999999'),
          fc.tuple(dates, clock(6)).map(([date, time]) => `${date} ${time}`),
        )
        .map((text) => `'${text}'`),
    ),
    nudge: (column) =>
      `IF(${column} > '2000-01-01', ${column} - INTERVAL 1 MICROSECOND, ${column} + INTERVAL 1 MICROSECOND)`,
  },
  {
    name: 'datetime0',
    definition: () => 'DATETIME NULL',
    values: nullable(fc.tuple(dates, clock(0)).map(([date, time]) => `'${date} ${time}'`)),
    nudge: (column) =>
      `IF(${column} > '2000-01-01', ${column} - INTERVAL 1 SECOND, ${column} + INTERVAL 1 SECOND)`,
  },
  {
    name: 'timestamp3',
    definition: () => 'TIMESTAMP(3) NULL DEFAULT NULL',
    values: nullable(
      fc
        .integer({ min: 1, max: 2_147_483_646 })
        .chain((seconds) =>
          fc.integer({ min: 0, max: 999 }).map((milliseconds) => [seconds, milliseconds] as const),
        )
        .map(([seconds, milliseconds]) => `FROM_UNIXTIME(${seconds}.${pad(milliseconds, 3)})`),
    ),
    nudge: (column) =>
      `IF(${column} > '2000-01-01', ${column} - INTERVAL 1000 MICROSECOND, ${column} + INTERVAL 1000 MICROSECOND)`,
  },
  {
    name: 'year_value',
    definition: () => 'YEAR NULL',
    values: nullable(
      fc.oneof(fc.constantFrom(0, 1901, 2155), fc.integer({ min: 1901, max: 2155 })).map(String),
    ),
    nudge: (column) => `IF(${column} > 2000, ${column} - 1, 2001)`,
  },
];
