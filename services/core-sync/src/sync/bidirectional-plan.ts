/**
 * How a bidirectional pair starts, table by table, from what both directions found (docs/bidirectional.md, "How a
 * pair starts" and "Adopting databases that both hold data"):
 *
 *   checkpoints          local rows   cloud rows   →  plan
 *   a copy unfinished    any          any             copy again in that direction (its partial rows are
 *                                                     overwritten); the other direction streams
 *   an adoption          any          any             both stream (from their checkpoints, or fresh); adopt again
 *     unfinished
 *   both directions      any          any             stream (a side found empty is filled from the other)
 *   none or one          none         none            both stream from their current position
 *   none or one          some         none            copy local → cloud; cloud → local streams fresh
 *   none or one          none         some            copy cloud → local; local → cloud streams fresh
 *   none or one          some         some            adopt: a direction without a checkpoint streams fresh, and a
 *                                                     reconciling run settles the differences while both stream
 *                                                     (`sync.on_existing_data: refuse`: with no checkpoint at all,
 *                                                     refused with TABLES_DIVERGED; with one, the direction without
 *                                                     streams fresh, assuming the sides agree, as a one-way pair
 *                                                     switched to bidirectional does)
 *
 * Copies never delete rows on the side they write to, and are marked so the other direction drops them. A table
 * missing on one side was created there just before, empty (missing-tables.ts): it is read as a side with no rows,
 * so it is copied from the other side when that side has rows.
 */
import type { ExistingDataPolicy } from '../config/index.js';
import { SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { DirectionFacts, DirectionPlan, TableFacts } from './direction/index.js';

interface MutablePlan {
  readonly copy: string[];
  readonly fresh: string[];
  readonly adopt: string[];
  readonly repair: false;
}

export function planBidirectionalStart(
  facts: readonly DirectionFacts[],
  onExistingData: ExistingDataPolicy,
  logger: Logger,
): DirectionPlan[] {
  const plans: MutablePlan[] = facts.map(() => ({ copy: [], fresh: [], adopt: [], repair: false }));
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
    // A copy that did not finish left rows on its target: without this, the table would look like one being
    // adopted (rows on both sides) and its missing rows would be settled row by row instead of copied.
    if (intoSecondSide.copyUnfinished || intoFirstSide.copyUnfinished) {
      const [copyPlan, otherPlan, other] = intoSecondSide.copyUnfinished
        ? [firstPlan, secondPlan, intoFirstSide]
        : [secondPlan, firstPlan, intoSecondSide];
      copyPlan.copy.push(table);
      if (!other.hasCheckpoint) otherPlan.fresh.push(table);
      continue;
    }
    if (intoSecondSide.adoptionUnfinished || intoFirstSide.adoptionUnfinished) {
      adopt(table, [firstPlan, intoSecondSide], [secondPlan, intoFirstSide]);
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
    } else if (onExistingData === 'refuse' && !intoSecondSide.hasCheckpoint && !intoFirstSide.hasCheckpoint) {
      diverged.push(table);
    } else if (onExistingData === 'refuse') {
      (intoSecondSide.hasCheckpoint ? secondPlan : firstPlan).fresh.push(table);
      logger.warn(
        { table },
        'table has rows on both sides and a checkpoint in one direction only: assuming the sides agree (a one-way ' +
          'pair switched to bidirectional; sync.on_existing_data is refuse); preview a full sync to verify',
      );
    } else {
      // Rows on both sides: both may hold rows the other lacks or has otherwise (a restored backup, two copies
      // run apart, a one-way pair switched to bidirectional). Stream both ways now; the adoption run settles them.
      adopt(table, [firstPlan, intoSecondSide], [secondPlan, intoFirstSide]);
    }
  }
  if (diverged.length > 0) {
    throw new SyncError(
      'TABLES_DIVERGED',
      `cannot start bidirectional sync: ${diverged.join(', ')} ${diverged.length === 1 ? 'has' : 'have'} rows on ` +
        `both ${first.source} and ${first.target} and no checkpoint, and sync.on_existing_data is refuse. Set ` +
        'sync.on_existing_data to reconcile (the service streams both ways and settles the differences; preview ' +
        'them first with a dry run), or empty one side (it is then copied from the other)',
      { details: { tables: diverged } },
    );
  }
  return plans;
}

/** Both directions stream the table (fresh where they hold no checkpoint), and both mark it as being adopted. */
function adopt(table: string, ...directions: readonly [MutablePlan, TableFacts][]): void {
  for (const [plan, tableFacts] of directions) {
    if (!tableFacts.hasCheckpoint) plan.fresh.push(table);
    plan.adopt.push(table);
  }
}

/** Says once at start which tables are adopted, and what happens next. */
export function reportAdoption(tables: readonly string[], realtime: boolean, logger: Logger): void {
  if (tables.length === 0) return;
  if (realtime) {
    logger.info(
      { tables },
      'tables with rows on both sides are being adopted: both directions stream, and an adoption run settles ' +
        'their differences now (GET /api/v1/sync/status lists them under adoptingTables until it has)',
    );
    return;
  }
  logger.warn(
    { tables },
    'tables with rows on both sides wait for adoption: nothing is written to them until a run. Preview what it ' +
      'will do with POST /api/v1/sync/trigger {"dryRun":true}, then trigger the run (or wait for the schedule)',
  );
}
