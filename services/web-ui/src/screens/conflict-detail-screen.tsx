import { useId, useState, type ReactNode } from 'react';
import type { ApiClient } from '../api/api-client';
import type { Conflict, ConflictResolution } from '../api/types';
import { Badge, ErrorNotice, ReadOnlyNote } from '../components/notices';
import { formatTime } from '../logic/format';
import { conflictTypeLabel } from '../logic/labels';
import {
  compareRows,
  displayValue,
  draftFrom,
  mergedRow,
  type MergedDraft,
  type RowComparison,
} from '../logic/row-diff';
import { useLive } from '../live/live-context';
import { routeHref } from '../router';
import { useAction, useQuery, useReadOnly } from '../session/session-context';
import { MergedEditor } from './merged-editor';

type Side = 'local' | 'cloud';
type Choice = { readonly kind: Side } | { readonly kind: 'merged' };

/** The side without the row (update_delete, delete_update, insert_or_delete); null when both have it. */
function absentSide(comparison: RowComparison): Side | null {
  if (comparison.localAbsent === comparison.cloudAbsent) return null;
  return comparison.localAbsent ? 'local' : 'cloud';
}

const otherSide = (side: Side): Side => (side === 'local' ? 'cloud' : 'local');
const sideTitle: Readonly<Record<Side, string>> = { local: 'Local', cloud: 'Cloud' };

const resolve = (client: ApiClient, id: string, resolution: ConflictResolution): Promise<Conflict> =>
  client.resolveConflict(id, resolution);

/** One conflict: both versions side by side, differences highlighted, and its resolution. */
export function ConflictDetailScreen(props: { readonly id: string }): ReactNode {
  const { state } = useLive();
  const conflict = useQuery((client) => client.conflict(props.id), `${props.id}#${state.conflictRevision}`);
  return (
    <div className="screen">
      <p>
        <a href={routeHref({ screen: 'conflicts' })}>← Conflicts</a>
      </p>
      <h1>Conflict</h1>
      <ErrorNotice title="The conflict could not be loaded" error={conflict.error} />
      {conflict.data !== null && <ConflictView conflict={conflict.data} onResolved={conflict.reload} />}
    </div>
  );
}

export function ConflictView(props: {
  readonly conflict: Conflict;
  readonly onResolved: () => void;
}): ReactNode {
  const { conflict } = props;
  const comparison = compareRows(conflict.localData, conflict.cloudData);
  return (
    <>
      <section className="card">
        <dl className="figures">
          <div>
            <dt>Table</dt>
            <dd>{conflict.tableName}</dd>
          </div>
          <div>
            <dt>Key</dt>
            <dd>
              <code>{conflict.primaryKeyValue}</code>
            </dd>
          </div>
          <div>
            <dt>Type</dt>
            <dd data-testid="conflict-type">
              {conflictTypeLabel(conflict.conflictType).label}
              <span className="hint">{conflictTypeLabel(conflict.conflictType).explanation}</span>
            </dd>
          </div>
          <div>
            <dt>Detected</dt>
            <dd>{formatTime(conflict.detectedAt)}</dd>
          </div>
          <div>
            <dt>State</dt>
            <dd data-testid="conflict-state">
              {conflict.resolved ? <Badge tone="good">resolved</Badge> : <Badge tone="bad">waiting</Badge>}
            </dd>
          </div>
          {conflict.sourcePosition !== null && (
            <div>
              <dt>Binlog position</dt>
              <dd>
                <code>{conflict.sourcePosition}</code>
              </dd>
            </div>
          )}
        </dl>
        <RowsSideBySide comparison={comparison} />
      </section>
      {conflict.resolved ? (
        <Resolution conflict={conflict} />
      ) : (
        <ResolveForm conflict={conflict} comparison={comparison} onResolved={props.onResolved} />
      )}
    </>
  );
}

function RowsSideBySide(props: { readonly comparison: RowComparison }): ReactNode {
  const { comparison } = props;
  return (
    <div className="table-scroll">
      <table className="data-table diff-table" data-testid="row-diff">
        <caption>
          The two versions of the row: {comparison.differingCount} of {comparison.columns.length} columns
          differ (highlighted).
        </caption>
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Local{comparison.localAbsent && ' (row absent)'}</th>
            <th scope="col">Cloud{comparison.cloudAbsent && ' (row absent)'}</th>
          </tr>
        </thead>
        <tbody>
          {comparison.columns.map((column) => (
            <tr
              key={column.column}
              className={column.differs ? 'differs' : undefined}
              data-differs={column.differs}
            >
              <th scope="row">
                {column.column}
                {column.differs && (
                  <span className="differs-mark">
                    {' '}
                    ≠<span className="visually-hidden"> differs</span>
                  </span>
                )}
              </th>
              <Cell present={column.inLocal} value={column.local} />
              <Cell present={column.inCloud} value={column.cloud} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Cell(props: { readonly present: boolean; readonly value: unknown }): ReactNode {
  if (!props.present) return <td className="absent">absent</td>;
  return <td className={props.value === null ? 'null-value' : undefined}>{displayValue(props.value)}</td>;
}

/** The side a resolution kept, when that side had no row: the row was deleted on both sides. */
function deletingSide(conflict: Conflict): Side | null {
  if (conflict.resolvedData != null) return null;
  if (conflict.resolutionSide === 'local' && conflict.localData === null) return 'local';
  if (conflict.resolutionSide === 'cloud' && conflict.cloudData === null) return 'cloud';
  return null;
}

function Resolution(props: { readonly conflict: Conflict }): ReactNode {
  const { conflict } = props;
  const deleting = deletingSide(conflict);
  const kept =
    deleting !== null
      ? `with no row, as on ${deleting} (deleted on both sides) `
      : conflict.resolutionSide === null
        ? ''
        : `with the ${conflict.resolutionSide} row `;
  return (
    <section className="card" aria-label="Resolution" data-testid="resolution">
      <h2>Resolution</h2>
      <p>
        Resolved {kept}
        {conflict.resolvedBy === null ? '' : `by ${conflict.resolvedBy} `}
        {conflict.resolutionStrategy === null ? '' : `(${conflict.resolutionStrategy}) `}
        at {formatTime(conflict.resolvedAt)}.
      </p>
      {conflict.resolutionColumns !== null && (
        <ul className="small">
          <li data-testid="resolution-given">Given: {conflict.resolutionColumns.given.join(', ')}</li>
          {conflict.resolutionColumns.filledFrom !== null && (
            <li data-testid="resolution-filled">
              Filled from the {conflict.resolutionColumns.filledFrom} row:{' '}
              {conflict.resolutionColumns.filled.join(', ')}
            </li>
          )}
        </ul>
      )}
      {conflict.resolvedData != null && (
        <pre className="code-block">{JSON.stringify(conflict.resolvedData, null, 2)}</pre>
      )}
    </section>
  );
}

function ResolveForm(props: {
  readonly conflict: Conflict;
  readonly comparison: RowComparison;
  readonly onResolved: () => void;
}): ReactNode {
  const { conflict, comparison } = props;
  const readOnly = useReadOnly();
  const formId = useId();
  const [choice, setChoice] = useState<Choice | null>(null);
  const [draft, setDraft] = useState<MergedDraft | null>(null);
  const action = useAction(resolve);
  const absent = absentSide(comparison);
  const keepLabel = (side: Side): string =>
    side === absent ? `Keep ${side}: delete the row` : `Keep ${side}`;

  const submit = (chosen: Choice): void => {
    const resolution: ConflictResolution =
      chosen.kind === 'merged' ? { data: mergedRow(comparison, draft ?? {}) } : { side: chosen.kind };
    void action.run(conflict.id, resolution).then((resolved) => {
      if (resolved !== null) {
        setChoice(null);
        props.onResolved();
      }
    });
  };

  return (
    <section className="card" aria-labelledby={`${formId}-title`}>
      <h2 id={`${formId}-title`}>Resolve</h2>
      {readOnly && <ReadOnlyNote />}
      <p className="muted small">
        The chosen row is written whole to both databases (as one marked transaction, so it is not synced
        back). An edited row sends every column.
      </p>
      {absent !== null && (
        <p className="notice notice-info small" data-testid="absent-side-note">
          {sideTitle[absent]} has no row with this key. Keep {otherSide(absent)} writes its row to {absent}{' '}
          too; keep {absent} deletes the row on {otherSide(absent)}, so it is gone on both sides.
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          disabled={readOnly || action.pending}
          onClick={() => setChoice({ kind: 'local' })}
        >
          {keepLabel('local')}
        </button>
        <button
          type="button"
          disabled={readOnly || action.pending}
          onClick={() => setChoice({ kind: 'cloud' })}
        >
          {keepLabel('cloud')}
        </button>
        <button
          type="button"
          disabled={readOnly || action.pending}
          aria-expanded={draft !== null}
          onClick={() => {
            setDraft(draftFrom(comparison, comparison.localAbsent ? 'cloud' : 'local'));
            setChoice(null);
          }}
        >
          Edit merged row
        </button>
      </div>
      {draft !== null && (
        <MergedEditor
          comparison={comparison}
          draft={draft}
          onChange={setDraft}
          disabled={readOnly || action.pending}
          onSubmit={() => setChoice({ kind: 'merged' })}
          onCancel={() => setDraft(null)}
        />
      )}
      {choice !== null && (
        <div className="confirm" role="group" aria-label="Confirm the resolution">
          <p>{confirmQuestion(choice, absent)}</p>
          <div className="actions">
            <button
              type="button"
              className="button-primary"
              disabled={action.pending}
              onClick={() => submit(choice)}
              autoFocus
            >
              {action.pending
                ? 'Writing…'
                : choice.kind === absent
                  ? 'Delete on both databases'
                  : 'Write to both databases'}
            </button>
            <button type="button" onClick={() => setChoice(null)} disabled={action.pending}>
              Cancel
            </button>
          </div>
        </div>
      )}
      <ErrorNotice title="The conflict was not resolved" error={action.error} onDismiss={action.clearError} />
    </section>
  );
}

function confirmQuestion(choice: Choice, absent: Side | null): string {
  if (choice.kind === 'merged') return 'Write the edited row to both databases?';
  if (choice.kind === absent) {
    return `Delete the row on both databases? ${sideTitle[absent]} has none, so keeping ${absent} deletes ${otherSide(absent)}’s row.`;
  }
  return `Write the ${choice.kind} row to both databases?`;
}
