export { excludedHashColumns, rowHash, sameRowContent } from './row-hash.js';
export {
  conflictTypes,
  decideChange,
  type ChangeDecision,
  type ConflictType,
  type NetChange,
} from './decision.js';
export {
  LastWriteWinsStrategy,
  ManualStrategy,
  SourcePriorityStrategy,
  strategyFor,
  timestampOf,
  type ConflictStrategy,
  type DetectedConflict,
  type Resolution,
} from './strategies.js';
export {
  ConflictChecker,
  conflictId,
  type ConflictCheckerOptions,
  type ConflictEvent,
  type ConflictTableRule,
} from './conflict-checker.js';
export { OpenConflicts } from './open-conflicts.js';
export { OwnWrites } from './own-writes.js';
export { RowClaims } from './row-claims.js';
export { keyToJson, rowFromJson, rowToJson, type JsonColumnValue, type JsonRow } from './row-json.js';
