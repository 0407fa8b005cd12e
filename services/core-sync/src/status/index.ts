export type {
  BackpressureState,
  DirectionState,
  DirectionStatus,
  PreparedXaView,
  SchemaChangeState,
  SchemaChangeView,
  StreamView,
  TablePause,
  TablePauseReason,
  TableState,
  TableStatus,
} from './direction-status.js';
export { noPreparedXaView } from './direction-status.js';
export type { AdoptionFailure, ServiceStatus, StateStoreView } from './service-status.js';
export type {
  ChangeSamples,
  RunProgress,
  RunState,
  SideCounts,
  TableChanges,
  TableProgress,
} from './run-progress.js';
export { sampleKeyLimit } from './run-progress.js';
