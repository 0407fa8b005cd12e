import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { SideName } from '../model/index.js';
import { planBidirectionalStart } from './bidirectional-plan.js';

const silentLogger = pino({ level: 'silent' });
import type { DirectionFacts, TableFacts } from './direction/index.js';

/** A direction's facts about one table, `items`. */
function directionFacts(source: SideName, target: SideName, table: TableFacts): DirectionFacts {
  return { source, target, sourcePosition: null, tables: new Map([['items', table]]) };
}

/**
 * The facts of a pair where `items` was just created on `createdOn` (missing-tables.ts): that side is empty, the
 * other holds rows; `checkpoints` says whether both directions had one (a table dropped on one side).
 */
function createdOnOneSide(createdOn: SideName, checkpoints: boolean): DirectionFacts[] {
  const intoSide = (target: SideName): TableFacts => ({
    hasCheckpoint: checkpoints,
    targetEmpty: target === createdOn,
    copyUnfinished: false,
    adoptionUnfinished: false,
  });
  return [
    directionFacts('local', 'cloud', intoSide('cloud')),
    directionFacts('cloud', 'local', intoSide('local')),
  ];
}

describe('planBidirectionalStart, a table created on the side that lacked it', () => {
  it.each([
    {
      createdOn: 'local' as const,
      checkpoints: false,
      plans: [
        { copy: [], fresh: ['items'] },
        { copy: ['items'], fresh: [] },
      ],
    },
    {
      createdOn: 'cloud' as const,
      checkpoints: false,
      plans: [
        { copy: ['items'], fresh: [] },
        { copy: [], fresh: ['items'] },
      ],
    },
    {
      createdOn: 'local' as const,
      checkpoints: true,
      plans: [
        { copy: [], fresh: [] },
        { copy: ['items'], fresh: [] },
      ],
    },
  ])(
    'created on $createdOn (checkpoints in both directions: $checkpoints): copied from the other side',
    ({ createdOn, checkpoints, plans }) => {
      const planned = planBidirectionalStart(
        createdOnOneSide(createdOn, checkpoints),
        'reconcile',
        silentLogger,
      );
      expect(planned.map(({ copy, fresh }) => ({ copy, fresh }))).toEqual(plans);
    },
  );
});

/** `items` holds rows on both sides; `checkpoints` says which directions have one, `adopting` which marked it. */
function rowsOnBothSides(
  checkpoints: readonly SideName[],
  adopting: readonly SideName[] = [],
): DirectionFacts[] {
  const fromSource = (source: SideName): TableFacts => ({
    hasCheckpoint: checkpoints.includes(source),
    targetEmpty: false,
    copyUnfinished: false,
    adoptionUnfinished: adopting.includes(source),
  });
  return [
    directionFacts('local', 'cloud', fromSource('local')),
    directionFacts('cloud', 'local', fromSource('cloud')),
  ];
}

describe('planBidirectionalStart, rows on both sides', () => {
  it.each([
    { checkpoints: [], adopting: [], fresh: [['items'], ['items']] },
    // A one-way pair switched to bidirectional: verified by an adoption, not assumed.
    { checkpoints: ['local'], adopting: [], fresh: [[], ['items']] },
    // Killed between the two directions' marks, or restarted before the adoption run finished.
    { checkpoints: ['local'], adopting: ['local'], fresh: [[], ['items']] },
    { checkpoints: ['local', 'cloud'], adopting: ['cloud'], fresh: [[], []] },
  ] as { checkpoints: SideName[]; adopting: SideName[]; fresh: string[][] }[])(
    'checkpoints from $checkpoints, marked by $adopting: both stream, both adopt, nothing is copied',
    ({ checkpoints, adopting, fresh }) => {
      const planned = planBidirectionalStart(
        rowsOnBothSides(checkpoints, adopting),
        'reconcile',
        silentLogger,
      );
      expect(
        planned.map(({ copy, fresh: streamedFresh, adopt }) => ({ copy, fresh: streamedFresh, adopt })),
      ).toEqual(fresh.map((tables) => ({ copy: [], fresh: tables, adopt: ['items'] })));
    },
  );

  it('with checkpoints in both directions and no mark, the pair is in sync: nothing to adopt', () => {
    const planned = planBidirectionalStart(rowsOnBothSides(['local', 'cloud']), 'reconcile', silentLogger);
    expect(planned.map(({ copy, fresh, adopt }) => ({ copy, fresh, adopt }))).toEqual([
      { copy: [], fresh: [], adopt: [] },
      { copy: [], fresh: [], adopt: [] },
    ]);
  });

  it('on_existing_data refuse: refused with TABLES_DIVERGED when no direction has a checkpoint', () => {
    expect(() => planBidirectionalStart(rowsOnBothSides([]), 'refuse', silentLogger)).toThrow(
      expect.objectContaining({ code: 'TABLES_DIVERGED' }),
    );
    // A one-way pair switched to bidirectional streams as before, assuming the sides agree.
    const switched = planBidirectionalStart(rowsOnBothSides(['local']), 'refuse', silentLogger);
    expect(switched.map(({ copy, fresh, adopt }) => ({ copy, fresh, adopt }))).toEqual([
      { copy: [], fresh: [], adopt: [] },
      { copy: [], fresh: ['items'], adopt: [] },
    ]);
  });
});
