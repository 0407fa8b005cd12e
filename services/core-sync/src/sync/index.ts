export {
  SyncService,
  type SyncServiceOptions,
  type ServiceStatus,
  type StateStoreView,
} from './sync-service.js';
export { DirectionPipeline, type DirectionPipelineOptions } from './direction-pipeline.js';
export type {
  DirectionState,
  DirectionStatus,
  TableState,
  TableStatus,
  StreamView,
} from './direction-status.js';
export { type ConflictChoice } from './conflict-resolution.js';
export { connectSide, type SideEndpoints, type ConnectSideOptions } from './database-endpoints.js';
