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
 *   replaced: shown, then the table's  any                               undecided: the statement removed the row
 *   rows replaced (TRUNCATE, DROP,                                       and logged no before image, so there is
 *   RENAME…), nothing of it since                                        no delete to replay, and copying it
 *                                                                        would undo the statement
 *   a write (no delete after it)       any                               undecided: the row went away unlogged
 *   none                               a delete, or replaced             undecided: the row came back unlogged
 *   none                               the row created (inserted, or     copy it: a delete on the other side
 *                                      moved to this key), no earlier    after it was created would be in its
 *                                      than the other binlog's oldest    binlog
 *                                      transaction, after the last
 *                                      replacement of the table in
 *                                      either binlog
 *   none                               otherwise                         undecided: the binlogs do not reach back
 *
 * A replacement (last-changes.ts) turns every key its binlog showed before it into `replaced`; a key it never
 * showed was not on that side in its window, or it would have been logged. Its time only counts for the copy: a
 * row created on the other side no later than the statement (one-second precision) might have been removed by it.
 * Undecided rows are left as they are and listed as conflicts for a person (type `insert_or_delete`).
 */
import type { Row } from '../model/index.js';
import type { SideHistory, TableReplacement } from './last-changes.js';

export type OneSidedDecision =
  | { readonly action: 'copy' }
  | { readonly action: 'delete'; readonly deletedRow: Row }
  | { readonly action: 'undecided'; readonly reason: string };

interface SideNames {
  readonly holding: string;
  readonly lacking: string;
}

export function decideOneSided(
  keyText: string,
  holding: SideHistory,
  lacking: SideHistory,
  sides: SideNames,
): OneSidedDecision {
  if (holding.incomplete || lacking.incomplete) {
    return undecided(
      'some change of the table was logged without all its columns (binlog_row_image is not FULL), so the ' +
        'binlogs cannot tell what happened to the row',
    );
  }
  const lackingChange = lacking.lastChanges.get(keyText);
  switch (lackingChange?.kind) {
    case 'delete':
      return { action: 'delete', deletedRow: lackingChange.deletedRow };
    case 'replaced':
      return undecided(
        `the ${sides.lacking} binlog shows the row, then ${describe(lackingChange.replacement)} removed the ` +
          `table's rows without logging them: it was removed on ${sides.lacking} with no before image to replay ` +
          'as a delete, and copying it back would undo the statement',
      );
    case 'write':
      return undecided(
        `the ${sides.lacking} binlog last shows the row written, and no delete: it went away without a logged change`,
      );
    case undefined:
      return decideByCreation(keyText, holding, lacking, sides);
  }
}

/** The side that lacks the row logged nothing of it: it is copied when it was created inside that side's binlog. */
function decideByCreation(
  keyText: string,
  holding: SideHistory,
  lacking: SideHistory,
  sides: SideNames,
): OneSidedDecision {
  const holdingChange = holding.lastChanges.get(keyText);
  switch (holdingChange?.kind) {
    case 'delete':
      return undecided(
        `the ${sides.holding} binlog last shows the row deleted, yet it is there: it came back without a logged change`,
      );
    case 'replaced':
      return undecided(
        `the ${sides.holding} binlog shows the row, then ${describe(holdingChange.replacement)} removed the ` +
          "table's rows, yet it is there: it came back without a logged change",
      );
    case undefined:
      return undecided(
        `neither binlog holds a change of the row: it may have been added on ${sides.holding} or deleted on ${sides.lacking} before the binlogs begin`,
      );
    case 'write':
      break;
  }
  // Only the row's creation proves it new: an update may be of a row the other side deleted before its binlog.
  const createdAt = holdingChange.createdAt;
  if (createdAt === null) {
    return undecided(
      `the ${sides.holding} binlog shows the row updated but not created: it may be a row deleted on ${sides.lacking} before its binlog begins`,
    );
  }
  if (lacking.windowStart === null || createdAt < lacking.windowStart) {
    return undecided(
      `the ${sides.lacking} binlog begins after the row was created on ${sides.holding}: a delete on ${sides.lacking} before then cannot be ruled out`,
    );
  }
  const holdingReplacement = holding.lastReplacement;
  if (holdingReplacement !== null && createdAt < holdingReplacement.at) {
    return undecided(
      `the ${sides.holding} binlog shows the row created before ${describe(holdingReplacement)} removed the ` +
        "table's rows, yet it is there: it came back without a logged change",
    );
  }
  const lackingReplacement = lacking.lastReplacement;
  if (lackingReplacement !== null && createdAt <= lackingReplacement.at) {
    return undecided(
      `the row was created on ${sides.holding} no later than ${describe(lackingReplacement)} removed the ` +
        `table's rows on ${sides.lacking} (one-second precision): that statement may have removed it there`,
    );
  }
  return { action: 'copy' };
}

function undecided(reason: string): OneSidedDecision {
  return { action: 'undecided', reason };
}

/** The statement, shortened, and when it ran. */
function describe(replacement: TableReplacement): string {
  const statement = replacement.statement.replace(/\s+/g, ' ').trim();
  const shown = statement.length > 80 ? `${statement.slice(0, 80)}…` : statement;
  return `\`${shown}\` (at ${new Date(replacement.at).toISOString()})`;
}
