/**
 * A row found on one side only, in bidirectional mode: was it added on the side that has it, or deleted on the
 * side that lacks it? Copying it would undo a delete; deleting it would lose a new row. The binlogs decide
 * (docs/bidirectional.md, "Rows on one side only"):
 *
 *   last change of the key in the      last change in the binlog      →  decision
 *   binlog of the side that lacks it   of the side that has it
 *   a delete                           any                               replay the delete on the side that has
 *                                                                        it, conflict-checked: its row must still
 *                                                                        be the one deleted, else the table's
 *                                                                        strategy settles delete against update
 *   a write (no delete after it)       any                               undecided: the row went away unlogged
 *   none                               the row created (inserted, or     copy it: a delete on the other side
 *                                      moved to this key), no earlier    after it was created would be in its
 *                                      than the other binlog's oldest    binlog
 *                                      transaction
 *   none                               otherwise                         undecided: the binlogs do not reach back
 *
 * Undecided rows are left as they are and listed as conflicts for a person (type `insert_or_delete`).
 */
import type { Row } from '../model/index.js';
import type { SideHistory } from './key-history.js';

export type OneSidedDecision =
  | { readonly action: 'copy' }
  | { readonly action: 'delete'; readonly deletedRow: Row }
  | { readonly action: 'undecided'; readonly reason: string };

export function decideOneSided(
  keyText: string,
  holding: SideHistory,
  lacking: SideHistory,
  sides: { readonly holding: string; readonly lacking: string },
): OneSidedDecision {
  if (holding.incomplete || lacking.incomplete) {
    return {
      action: 'undecided',
      reason:
        'some change of the table was logged without all its columns (binlog_row_image is not FULL), so the ' +
        'binlogs cannot tell what happened to the row',
    };
  }
  const lackingChange = lacking.lastChanges.get(keyText);
  if (lackingChange?.kind === 'delete' && lackingChange.deletedRow !== null) {
    return { action: 'delete', deletedRow: lackingChange.deletedRow };
  }
  if (lackingChange?.kind === 'write') {
    return {
      action: 'undecided',
      reason: `the ${sides.lacking} binlog last shows the row written, and no delete: it went away without a logged change`,
    };
  }
  const holdingChange = holding.lastChanges.get(keyText);
  if (holdingChange?.kind === 'delete') {
    return {
      action: 'undecided',
      reason: `the ${sides.holding} binlog last shows the row deleted, yet it is there: it came back without a logged change`,
    };
  }
  // Only the row's creation proves it new: an update may be of a row the other side deleted before its binlog.
  const createdAt = holdingChange?.createdAt ?? null;
  if (createdAt !== null && lacking.windowStart !== null && lacking.windowStart <= createdAt) {
    return { action: 'copy' };
  }
  return {
    action: 'undecided',
    reason:
      holdingChange === undefined
        ? `neither binlog holds a change of the row: it may have been added on ${sides.holding} or deleted on ${sides.lacking} before the binlogs begin`
        : createdAt === null
          ? `the ${sides.holding} binlog shows the row updated but not created: it may be a row deleted on ${sides.lacking} before its binlog begins`
          : `the ${sides.lacking} binlog begins after the row was created on ${sides.holding}: a delete on ${sides.lacking} before then cannot be ruled out`,
  };
}
