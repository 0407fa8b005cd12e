import { useId, useState, type ReactNode } from 'react';
import type { ApiClient } from '../api/api-client';
import type { Conflict, ConflictResolution } from '../api/types';
import { Badge, ErrorNotice, ReadOnlyNote } from '../components/notices';
import { formatTime } from '../logic/format';
import {
  cellFrom,
  compareRows,
  displayValue,
  draftFrom,
  mergedRow,
  type ColumnComparison,
  type MergedDraft,
  type RowComparison,
} from '../logic/row-diff';
import { useLive } from '../live/live-context';
import { routeHref } from '../router';
import { useAction, useQuery, useReadOnly } from '../session/session-context';

type Choice = { readonly kind: 'local' } | { readonly kind: 'cloud' } | { readonly kind: 'merged' };

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
            <dd>{conflict.conflictType.replace('_', ' / ')}</dd>
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

function Resolution(props: { readonly conflict: Conflict }): ReactNode {
  const { conflict } = props;
  return (
    <section className="card" aria-label="Resolution" data-testid="resolution">
      <h2>Resolution</h2>
      <p>
        Resolved {conflict.resolutionSide === null ? '' : `with the ${conflict.resolutionSide} row `}
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
      <div className="actions">
        <button
          type="button"
          disabled={readOnly || action.pending}
          onClick={() => setChoice({ kind: 'local' })}
        >
          Keep local
        </button>
        <button
          type="button"
          disabled={readOnly || action.pending}
          onClick={() => setChoice({ kind: 'cloud' })}
        >
          Keep cloud
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
          <p>
            {choice.kind === 'merged'
              ? 'Write the edited row to both databases?'
              : `Write the ${choice.kind} row to both databases?`}
          </p>
          <div className="actions">
            <button
              type="button"
              className="button-primary"
              disabled={action.pending}
              onClick={() => submit(choice)}
              autoFocus
            >
              {action.pending ? 'Writing…' : 'Write to both databases'}
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

function MergedEditor(props: {
  readonly comparison: RowComparison;
  readonly draft: MergedDraft;
  readonly onChange: (draft: MergedDraft) => void;
  readonly disabled: boolean;
  readonly onSubmit: () => void;
  readonly onCancel: () => void;
}): ReactNode {
  const editorId = useId();
  const set = (column: string, cell: MergedDraft[string]): void =>
    props.onChange({ ...props.draft, [column]: cell });
  return (
    <form
      className="merged-editor"
      aria-label="Merged row"
      onSubmit={(event) => {
        event.preventDefault();
        props.onSubmit();
      }}
    >
      <fieldset disabled={props.disabled}>
        <legend>Merged row</legend>
        {props.comparison.columns.map((column: ColumnComparison) => {
          const cell = props.draft[column.column] ?? { text: '', isNull: true };
          const inputId = `${editorId}-${column.column}`;
          return (
            <div className={`merged-field${column.differs ? ' differs' : ''}`} key={column.column}>
              <label htmlFor={inputId}>
                {column.column}
                {column.differs && <span className="differs-mark"> ≠</span>}
              </label>
              <input
                id={inputId}
                name={column.column}
                value={cell.text}
                disabled={cell.isNull}
                onChange={(event) => set(column.column, { text: event.target.value, isNull: false })}
              />
              <label className="check small">
                <input
                  type="checkbox"
                  checked={cell.isNull}
                  onChange={(event) => set(column.column, { text: cell.text, isNull: event.target.checked })}
                />
                NULL
              </label>
              {column.differs && (
                <span className="pick">
                  <button
                    type="button"
                    className="button-quiet"
                    onClick={() => set(column.column, cellFrom(column.local))}
                  >
                    use local
                  </button>
                  <button
                    type="button"
                    className="button-quiet"
                    onClick={() => set(column.column, cellFrom(column.cloud))}
                  >
                    use cloud
                  </button>
                </span>
              )}
            </div>
          );
        })}
        <div className="actions">
          <button type="submit" className="button-primary">
            Use this row
          </button>
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </fieldset>
    </form>
  );
}
