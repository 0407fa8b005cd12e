import { SyncError } from '../errors/index.js';
import type { ConflictFilter, ConflictRecord, StateStore } from '../store/index.js';
import type { ConflictChoice } from '../sync/index.js';
import type { ConflictAccess } from './contracts.js';

/** Conflicts as the API sees them: listed from the state store, resolved by the running sync service. */
export function conflictAccess(
  store: StateStore,
  resolve: (id: string, choice: ConflictChoice, resolvedBy: string) => Promise<ConflictRecord>,
): ConflictAccess {
  return {
    list: (filter: ConflictFilter) => store.listConflicts(filter),
    async get(id: string) {
      const conflict = await store.getConflict(id);
      if (conflict === undefined) throw new SyncError('CONFLICT_NOT_FOUND', `no conflict has the id ${id}`);
      return conflict;
    },
    resolve,
  };
}
