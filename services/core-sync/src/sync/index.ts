export { SyncService, type SyncServiceOptions } from './sync-service.js';
export { DirectionPipeline, type DirectionPipelineOptions } from './direction/index.js';
export { type ConflictChoice } from './conflict-resolution.js';
export { connectSide, type SideEndpoints, type ConnectSideOptions } from './database-endpoints.js';
