/**
 * How the API's kinds read on the dashboard: full-sync run kinds and conflict types, each with a short label and
 * a one-line explanation (shown as a tooltip or next to it). The run kinds are a closed list from the OpenAPI
 * types, so a kind the API adds fails the type check here until it has a label.
 */
import type { RunProgress } from '../api/types';

/** A run's kind; the history's entries have the same list (the type check says so where they are labelled). */
export type RunKind = RunProgress['kind'];

export interface KindLabel {
  readonly label: string;
  readonly explanation: string;
}

export const runKindLabels: Readonly<Record<RunKind, KindLabel>> = {
  initial: { label: 'initial', explanation: 'an initial full sync' },
  manual: { label: 'manual', explanation: 'started by a person (the dashboard or POST /sync/trigger)' },
  scheduled: { label: 'scheduled', explanation: 'started by the scheduler (scheduler.interval)' },
  fallback: {
    label: 'fallback',
    explanation: 'started by the scheduler because a binlog stream was down (scheduler.fallback_after)',
  },
  adoption: {
    label: 'adoption',
    explanation:
      'settles the differences of tables adopted with rows on both sides (both directions already stream them)',
  },
};

export function runKindLabel(kind: RunKind): KindLabel {
  return runKindLabels[kind];
}

/** The conflict types core-sync stores (`conflictType` is a plain string in the API). */
export const knownConflictTypes = [
  'insert_insert',
  'update_update',
  'update_delete',
  'delete_update',
  'insert_or_delete',
] as const;
export type KnownConflictType = (typeof knownConflictTypes)[number];

const conflictTypeLabels: Readonly<Record<KnownConflictType, KindLabel>> = {
  insert_insert: {
    label: 'insert / insert',
    explanation: 'both sides inserted a row with this key, with different values',
  },
  update_update: { label: 'update / update', explanation: 'both sides changed the row differently' },
  update_delete: {
    label: 'update / delete',
    explanation: 'one side changed the row while the other deleted it',
  },
  delete_update: {
    label: 'delete / update',
    explanation: 'one side deleted the row while the other changed it',
  },
  insert_or_delete: {
    label: 'insert or delete?',
    explanation:
      'the row is on one side only, and the binlogs cannot tell whether it was added there or deleted on the other side',
  },
};

function isKnownConflictType(type: string): type is KnownConflictType {
  return (knownConflictTypes as readonly string[]).includes(type);
}

/** A conflict type's label and explanation; a type this dashboard does not know reads as it is. */
export function conflictTypeLabel(type: string): KindLabel {
  if (isKnownConflictType(type)) return conflictTypeLabels[type];
  return { label: type.replaceAll('_', ' '), explanation: `conflict type ${type}` };
}
