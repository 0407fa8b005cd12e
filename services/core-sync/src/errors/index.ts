export { errorCodes, type ErrorCode, type ErrorCodeInfo } from './error-codes.js';
export {
  SyncError,
  isSyncError,
  describeError,
  driverErrorCode,
  driverErrorOf,
  findInCauses,
  type SyncErrorOptions,
} from './sync-error.js';
