export type {
  ConfigAccess,
  ConfigUpdateResult,
  ConflictAccess,
  SyncControl,
  TriggerRequest,
} from './contracts.js';
