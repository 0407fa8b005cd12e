export {
  SyncService,
  type SyncServiceOptions,
  type ServiceStatus,
  type StateStoreView,
} from './sync-service.js';
export { DirectionPipeline, type DirectionPipelineOptions } from './direction-pipeline.js';
export {
  noPreparedXaView,
  type DirectionState,
  type DirectionStatus,
  type PreparedXaView,
  type TableState,
  type TableStatus,
  type StreamView,
} from './direction-status.js';
export { type ConflictChoice } from './conflict-resolution.js';
export { connectSide, type SideEndpoints, type ConnectSideOptions } from './database-endpoints.js';
