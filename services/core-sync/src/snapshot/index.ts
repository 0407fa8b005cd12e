export {
  prepareTable,
  unsupportedColumns,
  type TablePair,
  type PrepareTableOptions,
  sameColumns,
} from './table-preparation.js';
export { copyTable, type CopyTableOptions, type CopyTableResult } from './table-copier.js';
