import { useState, type ReactNode } from 'react';
import type { HistoryEntry } from '../api/types';
import { Badge, ErrorNotice, Pager, type BadgeTone } from '../components/notices';
import { durationSeconds, formatCount, formatDirection, formatSeconds, formatTime } from '../logic/format';
import { runKindLabel } from '../logic/labels';
import { useLive } from '../live/live-context';
import { routeHref } from '../router';
import { useQuery } from '../session/session-context';
import { SchemaChanges } from './schema-changes';

const pageSize = 20;

export function statusTone(status: string): BadgeTone {
  switch (status) {
    case 'completed':
      return 'good';
    case 'failed':
    case 'interrupted':
      return 'bad';
    case 'running':
      return 'busy';
    default:
      return 'neutral';
  }
}

/** Past full-sync runs, newest first; reloads when a run starts or ends. */
export function HistoryScreen(): ReactNode {
  const { state } = useLive();
  const [offset, setOffset] = useState(0);
  const page = useQuery(
    (client) => client.history({ limit: pageSize, offset }),
    `${offset}#${state.runRevision}`,
  );
  return (
    <div className="screen">
      <h1>History</h1>
      <ErrorNotice title="The history could not be loaded" error={page.error} />
      {page.data !== null && (
        <section className="card" aria-busy={page.loading}>
          {page.data.entries.length === 0 ? (
            <p className="muted">No full sync has run yet.</p>
          ) : (
            <HistoryTable entries={page.data.entries} />
          )}
          <Pager
            label="History"
            total={page.data.total}
            limit={pageSize}
            offset={offset}
            onOffset={setOffset}
          />
        </section>
      )}
      <SchemaChanges directions={state.directions} />
    </div>
  );
}

export function HistoryTable(props: { readonly entries: readonly HistoryEntry[] }): ReactNode {
  return (
    <div className="table-scroll">
      <table className="data-table" data-testid="history-list">
        <caption className="visually-hidden">Full-sync runs</caption>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Kind</th>
            <th scope="col">Direction</th>
            <th scope="col">Status</th>
            <th scope="col" className="numeric">
              Duration
            </th>
            <th scope="col" className="numeric">
              Rows
            </th>
            <th scope="col" className="numeric">
              Changed
            </th>
            <th scope="col" className="numeric">
              Conflicts
            </th>
            <th scope="col">By</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((entry) => (
            <tr key={entry.id}>
              <td>
                <a href={routeHref({ screen: 'run', id: entry.id })}>{formatTime(entry.startedAt)}</a>
              </td>
              <td title={runKindLabel(entry.kind).explanation}>{runKindLabel(entry.kind).label}</td>
              <td>{formatDirection(entry.direction)}</td>
              <td>
                <Badge tone={statusTone(entry.status)}>{entry.status}</Badge>
              </td>
              <td className="numeric">
                {entry.completedAt === null
                  ? '—'
                  : formatSeconds(durationSeconds(entry.startedAt, entry.completedAt))}
              </td>
              <td className="numeric">{formatCount(entry.totalRows)}</td>
              <td className="numeric">{formatCount(entry.rowsChanged)}</td>
              <td className="numeric">{formatCount(entry.conflictsDetected)}</td>
              <td>{entry.triggerSource ?? '—'}</td>
              <td className="cell-error">{entry.errorMessage ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
