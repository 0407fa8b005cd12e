/**
 * What to do with an incoming change to one row, given what the target holds for that row now
 * (docs/bidirectional.md, "Conflicts"). Several changes of one row in one batch are judged as one net change: the first
 * change's before image and the last change's after image.
 *
 *   incoming   target row            →  decision
 *   insert     absent                   apply
 *              = after                  skip (already there)
 *              otherwise                conflict insert_insert
 *   update     = before                 apply
 *              = after                  skip (already there)
 *              absent                   conflict update_delete (deleted on the target)
 *              otherwise                conflict update_update
 *   delete     = before                 apply
 *              absent                   skip (already gone)
 *              otherwise                conflict delete_update (changed on the target)
 *   insert then delete in one batch: absent → skip; present → conflict delete_update
 *
 * The target row is compared on the columns the change has: a change written with the old schema while a schema
 * change was on its way to its side lacks a column only the target has (apply/target-columns.ts).
 */
import { rowOnColumns } from '../apply/index.js';
import type { Row } from '../model/index.js';
import { sameRowContent } from './row-hash.js';

/**
 * `insert_or_delete` is not met by the check above: a full sync lists a row found on one side only whose binlogs
 * cannot tell whether it was added there or deleted on the other side (fullsync/one-sided-rows.ts).
 */
export const conflictTypes = [
  'insert_insert',
  'update_update',
  'update_delete',
  'delete_update',
  'insert_or_delete',
] as const;
export type ConflictType = (typeof conflictTypes)[number];

export type ChangeDecision =
  | { readonly action: 'apply' }
  | { readonly action: 'skip' }
  | { readonly action: 'conflict'; readonly type: ConflictType };

export interface NetChange {
  /** The row before the first change (null: the first change inserted it). */
  readonly before: Row | null;
  /** The row after the last change (null: the last change deleted it). */
  readonly after: Row | null;
}

const apply: ChangeDecision = { action: 'apply' };
const skip: ChangeDecision = { action: 'skip' };

function conflict(type: ConflictType): ChangeDecision {
  return { action: 'conflict', type };
}

export function decideChange(
  change: NetChange,
  target: Row | null,
  excluded: ReadonlySet<string> = new Set(),
): ChangeDecision {
  const same = (targetRow: Row | null, image: Row | null): boolean =>
    sameRowContent(targetRowOn(targetRow, image), image, excluded);
  const { before, after } = change;
  if (before === null && after === null) return target === null ? skip : conflict('delete_update');
  if (before === null) {
    if (target === null) return apply;
    return same(target, after) ? skip : conflict('insert_insert');
  }
  if (after === null) {
    if (target === null) return skip;
    return same(target, before) ? apply : conflict('delete_update');
  }
  if (target === null) return conflict('update_delete');
  if (same(target, before)) return apply;
  return same(target, after) ? skip : conflict('update_update');
}

/**
 * The target row on the columns of a change's image, when the target has columns the image lacks (see the
 * header); the row itself otherwise.
 */
export function targetRowOn(target: Row | null, image: Row | null): Row | null {
  if (target === null || image === null) return target;
  let imageColumns = 0;
  for (const column in image) if (Object.hasOwn(image, column)) imageColumns += 1;
  let targetColumns = 0;
  for (const column in target) if (Object.hasOwn(target, column)) targetColumns += 1;
  return targetColumns > imageColumns ? rowOnColumns(target, new Set(Object.keys(image))) : target;
}
