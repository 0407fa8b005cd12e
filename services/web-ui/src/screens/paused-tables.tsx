import { useId, useState, type ReactNode } from 'react';
import type { ApiClient } from '../api/api-client';
import type { ResumeResult, RunProgress } from '../api/types';
import { Badge, ErrorNotice, ReadOnlyNote } from '../components/notices';
import type { PausedTable } from '../live/live-state';
import { formatDirection } from '../logic/format';
import { useAction, useReadOnly } from '../session/session-context';

const resume = (client: ApiClient): Promise<ResumeResult> => client.resume();

/**
 * The paused tables, each with its direction, reason, code and the pause's message (what is wrong and what to
 * do), and the button that resumes them all (POST /sync/resume) once the causes are fixed. Shown while a table
 * is paused, and after a resume (or a refused one) until its outcome is dismissed.
 */
export function PausedTables(props: {
  readonly paused: readonly PausedTable[];
  readonly run: RunProgress | null;
  /** Called after a resume succeeded (the dashboard reloads the status then). */
  readonly onResumed?: () => void;
}): ReactNode {
  const { paused, onResumed } = props;
  const readOnly = useReadOnly();
  const titleId = useId();
  const resuming = useAction(resume);
  const [result, setResult] = useState<ResumeResult | null>(null);
  if (paused.length === 0 && result === null && resuming.error === null) return null;
  const disabledReason = readOnly
    ? 'read-only token'
    : props.run?.state === 'running'
      ? 'a full sync is running'
      : null;

  const resumeAll = (): void => {
    setResult(null);
    void resuming.run().then((answer) => {
      if (answer === null) return;
      setResult(answer);
      onResumed?.();
    });
  };

  return (
    <section className="card" aria-labelledby={titleId} data-testid="paused-tables">
      <h2 id={titleId}>Paused tables</h2>
      {paused.length === 0 ? (
        <p className="muted">No table is paused now.</p>
      ) : (
        <>
          <p className="muted small">
            A paused table’s changes are held in its source’s binlog: nothing is lost. Fix what each message
            names, then resume: every paused table reads its held changes again from where it paused.
          </p>
          <ul className="paused-list">
            {paused.map((entry) => (
              <PausedEntry key={`${entry.direction} ${entry.table}`} entry={entry} />
            ))}
          </ul>
          {readOnly && <ReadOnlyNote />}
          <div className="actions">
            <button
              type="button"
              className="button-primary"
              disabled={disabledReason !== null || resuming.pending}
              title={disabledReason ?? undefined}
              onClick={resumeAll}
            >
              {resuming.pending ? 'Resuming…' : 'Resume paused tables'}
            </button>
          </div>
          {disabledReason !== null && !readOnly && (
            <p className="muted small" aria-live="polite">
              Resume is unavailable: {disabledReason}.
            </p>
          )}
        </>
      )}
      {result !== null && <ResumeOutcome result={result} onDismiss={() => setResult(null)} />}
      <ErrorNotice
        title="The paused tables were not resumed"
        error={resuming.error}
        onDismiss={resuming.clearError}
      />
    </section>
  );
}

function PausedEntry(props: { readonly entry: PausedTable }): ReactNode {
  const { entry } = props;
  return (
    <li className="paused-entry" data-testid={`paused-${entry.direction}-${entry.table}`}>
      <p className="paused-head">
        <strong>{entry.table}</strong>
        <span>{formatDirection(entry.direction)}</span>
        <Badge tone="bad">{entry.pause?.reason ?? 'paused'}</Badge>
        {entry.pause !== null && <code>{entry.pause.code}</code>}
      </p>
      <p className="paused-message">
        {entry.pause?.message ?? 'core-sync did not say why this table paused.'}
      </p>
    </li>
  );
}

function ResumeOutcome(props: { readonly result: ResumeResult; readonly onDismiss: () => void }): ReactNode {
  const { resumed } = props.result;
  return (
    <div className="notice notice-success" role="status" data-testid="resume-result">
      <p className="notice-title">
        Resumed {resumed.length} {resumed.length === 1 ? 'table' : 'tables'}
      </p>
      <ul className="resumed-list">
        {resumed.map((entry) => (
          <li key={`${entry.direction} ${entry.table}`}>
            <strong>{entry.table}</strong> ({formatDirection(entry.direction)}, paused with{' '}
            <code>{entry.code}</code>)
          </li>
        ))}
      </ul>
      <p>
        Each reads its held changes again. A table whose cause is not fixed pauses again and is listed here
        again.
      </p>
      <button type="button" className="button-quiet" onClick={props.onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
