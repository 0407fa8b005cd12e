/**
 * Write loads for the bidirectional load tests: writers that change an `items` table in multi-statement
 * transactions, as an application would, and remember every version they committed, so a test can say exactly
 * what each side must hold afterwards.
 * - `startDisjointLoad`: several connections on one side, each owning its own range of ids (inserts, updates,
 *   primary-key changes, deletes). Nobody else writes those rows, so the last committed version is the truth.
 * - `runContendedLoad`: connections on both sides writing the same rows. Each write takes its stamp from one
 *   `WriteClock` shared by every writer after it has locked the row, so stamps are a total order consistent with
 *   what each side saw: a write's stamp is later than that of any version the row held on that side before.
 * This file is their entry; the parts: item-rows.ts (the table and its values), seeded-random.ts, writer-session.ts
 * (connections and transactions), disjoint-load.ts and contended-load.ts.
 */
export { insertItems, itemsTable, readItems, seedRows, stamp, type ItemRow } from './item-rows.js';
export { Random } from './seeded-random.js';
export {
  startDisjointLoad,
  startDisjointLoadsOnBothSides,
  type DisjointLoadOptions,
  type WriteLoad,
} from './disjoint-load.js';
export {
  WriteClock,
  runContendedLoad,
  type ContendedLoadOptions,
  type ContendedWrite,
} from './contended-load.js';
