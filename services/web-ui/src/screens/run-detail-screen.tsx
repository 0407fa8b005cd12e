import type { ReactNode } from 'react';
import { Badge, ErrorNotice } from '../components/notices';
import { durationSeconds, formatCount, formatDirection, formatSeconds, formatTime } from '../logic/format';
import { runKindLabel } from '../logic/labels';
import { useLive, useNow } from '../live/live-context';
import { routeHref } from '../router';
import { useQuery } from '../session/session-context';
import { statusTone } from './history-screen';
import { RunProgressView } from './run-progress';

/** How far back a run is looked up (the API has no route for one history entry). */
const lookupLimit = 500;

/** One run: its history entry, and its per-table progress when it is the service's current or last run. */
export function RunDetailScreen(props: { readonly id: string }): ReactNode {
  const { state } = useLive();
  const now = useNow();
  const page = useQuery(
    (client) => client.history({ limit: lookupLimit, offset: 0 }),
    `${state.runRevision}`,
  );
  const entry = page.data?.entries.find((candidate) => candidate.id === props.id) ?? null;
  const live = state.run?.runId === props.id ? state.run : null;
  return (
    <div className="screen">
      <p>
        <a href={routeHref({ screen: 'history' })}>← History</a>
      </p>
      <h1>Full-sync run</h1>
      <ErrorNotice title="The run could not be loaded" error={page.error} />
      {entry !== null && (
        <section className="card" data-testid="run-entry">
          <dl className="figures">
            <div>
              <dt>Status</dt>
              <dd>
                <Badge tone={statusTone(entry.status)}>{entry.status}</Badge>
              </dd>
            </div>
            <div>
              <dt>Kind</dt>
              <dd>
                {runKindLabel(entry.kind).label}
                <span className="hint">{runKindLabel(entry.kind).explanation}</span>
              </dd>
            </div>
            <div>
              <dt>Direction</dt>
              <dd>{formatDirection(entry.direction)}</dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd>{formatTime(entry.startedAt)}</dd>
            </div>
            <div>
              <dt>Finished</dt>
              <dd>{formatTime(entry.completedAt)}</dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{formatSeconds(durationSeconds(entry.startedAt, entry.completedAt, now))}</dd>
            </div>
            <div>
              <dt>Rows</dt>
              <dd>{formatCount(entry.totalRows)}</dd>
            </div>
            <div>
              <dt>Changed</dt>
              <dd>{formatCount(entry.rowsChanged)}</dd>
            </div>
            <div>
              <dt>Conflicts</dt>
              <dd>{formatCount(entry.conflictsDetected)}</dd>
            </div>
            <div>
              <dt>Started by</dt>
              <dd>{entry.triggerSource ?? '—'}</dd>
            </div>
            <div>
              <dt>Tables</dt>
              <dd>{entry.tablesSynced.join(', ') || '—'}</dd>
            </div>
            <div>
              <dt>Trace id</dt>
              <dd>
                <code>{entry.traceId ?? '—'}</code>
              </dd>
            </div>
          </dl>
          {entry.errorMessage !== null && (
            <p className="notice notice-error" role="alert">
              {entry.errorMessage}
            </p>
          )}
        </section>
      )}
      {live !== null && (
        <section className="card" aria-label="Per-table progress">
          <h2>Tables</h2>
          <RunProgressView run={live} now={now} tableClocks={state.tableClocks} />
        </section>
      )}
      {page.data !== null && entry === null && live === null && (
        <p className="notice notice-warning">
          No run with the id <code>{props.id}</code> among the last {lookupLimit} runs.
        </p>
      )}
      {entry !== null && live === null && (
        <p className="muted small">
          Per-table figures are shown for the service’s current or last run only; the history keeps the
          totals.
        </p>
      )}
    </div>
  );
}
