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
