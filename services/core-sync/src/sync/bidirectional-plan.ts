/**
 * How a bidirectional pair starts, table by table, from what both directions found (docs/bidirectional.md, "How a
 * pair starts" and "No echoes"):
 *
 *   checkpoints          local rows   cloud rows   →  plan
 *   a copy unfinished    any          any             copy again in that direction (its partial rows are
 *                                                     overwritten); the other direction streams
 *   both directions      any          any             stream (a side found empty is filled from the other)
 *   none or one          none         none            both stream from their current position
 *   none or one          some         none            copy local → cloud; cloud → local streams fresh
 *   none or one          none         some            copy cloud → local; local → cloud streams fresh
 *   one direction        some         some            the direction without one streams fresh (a one-way pair
 *                                                     switched to bidirectional: the sides already agree)
 *   none                 some         some            refused: TABLES_DIVERGED (no way to tell whose rows are new)
 *
 * Copies never delete rows on the side they write to, and are marked so the other direction drops them.
 */
import { SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { DirectionFacts, DirectionPlan } from './direction/index.js';

export function planBidirectionalStart(facts: readonly DirectionFacts[], logger: Logger): DirectionPlan[] {
  const plans = facts.map(() => ({ copy: [] as string[], fresh: [] as string[], repair: false }));
  const [first, second] = facts;
  const [firstPlan, secondPlan] = plans;
  if (first === undefined || second === undefined || firstPlan === undefined || secondPlan === undefined) {
    throw new Error('bidirectional sync needs two directions');
  }
  const diverged: string[] = [];
  for (const [table, intoSecondSide] of first.tables) {
    // `first` writes into its target (second's source): its targetEmpty says whether that side is empty.
    const intoFirstSide = second.tables.get(table);
    if (intoFirstSide === undefined) continue;
    const firstSourceEmpty = intoFirstSide.targetEmpty;
    const secondSourceEmpty = intoSecondSide.targetEmpty;
    // A copy that did not finish left rows on its target: without this, the table would look like a one-way pair
    // switched to bidirectional (rows on both sides, a checkpoint in one direction) and never be copied in full.
    if (intoSecondSide.copyUnfinished || intoFirstSide.copyUnfinished) {
      const [copyPlan, otherPlan, other] = intoSecondSide.copyUnfinished
        ? [firstPlan, secondPlan, intoFirstSide]
        : [secondPlan, firstPlan, intoSecondSide];
      copyPlan.copy.push(table);
      if (!other.hasCheckpoint) otherPlan.fresh.push(table);
      continue;
    }
    if (intoSecondSide.hasCheckpoint && intoFirstSide.hasCheckpoint) {
      if (secondSourceEmpty && !firstSourceEmpty) firstPlan.copy.push(table);
      else if (firstSourceEmpty && !secondSourceEmpty) secondPlan.copy.push(table);
      continue;
    }
    if (firstSourceEmpty && secondSourceEmpty) {
      firstPlan.fresh.push(table);
      secondPlan.fresh.push(table);
    } else if (secondSourceEmpty) {
      firstPlan.copy.push(table);
      secondPlan.fresh.push(table);
    } else if (firstSourceEmpty) {
      secondPlan.copy.push(table);
      firstPlan.fresh.push(table);
    } else if (intoSecondSide.hasCheckpoint || intoFirstSide.hasCheckpoint) {
      const plan = intoSecondSide.hasCheckpoint ? secondPlan : firstPlan;
      plan.fresh.push(table);
      logger.warn(
        { table },
        'table has rows on both sides and a checkpoint in one direction only: assuming the sides agree (a one-way ' +
          'pair switched to bidirectional); run a full sync to verify',
      );
    } else {
      diverged.push(table);
    }
  }
  if (diverged.length > 0) {
    throw new SyncError(
      'TABLES_DIVERGED',
      `cannot start bidirectional sync: ${diverged.join(', ')} ${diverged.length === 1 ? 'has' : 'have'} rows on ` +
        `both ${first.source} and ${first.target} and no checkpoint, so there is no telling which rows are new on ` +
        'which side. Empty one side (it is then copied from the other), or sync one-way first and then switch ' +
        'to bidirectional',
      { details: { tables: diverged } },
    );
  }
  return plans;
}
