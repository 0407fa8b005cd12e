import { useId, useState, type ReactNode } from 'react';
import type { Conflict } from '../api/types';
import { Badge, ErrorNotice, Pager } from '../components/notices';
import { formatTime } from '../logic/format';
import { conflictTypeLabel } from '../logic/labels';
import { compareRows } from '../logic/row-diff';
import { useLive } from '../live/live-context';
import { configuredTables } from '../live/live-state';
import { routeHref } from '../router';
import { useQuery } from '../session/session-context';

const pageSize = 20;
type StateFilter = 'unresolved' | 'resolved' | 'all';

/** Conflicts, newest first, filtered by table and state, paged; reloads when the stream reports one. */
export function ConflictsScreen(): ReactNode {
  const { state } = useLive();
  const filterId = useId();
  const [table, setTable] = useState('');
  const [stateFilter, setStateFilter] = useState<StateFilter>('unresolved');
  const [offset, setOffset] = useState(0);
  const query = {
    limit: pageSize,
    offset,
    ...(table === '' ? {} : { table }),
    ...(stateFilter === 'all'
      ? {}
      : { resolved: stateFilter === 'resolved' ? ('true' as const) : ('false' as const) }),
  };
  const page = useQuery(
    (client) => client.conflicts(query),
    `${JSON.stringify(query)}#${state.conflictRevision}`,
  );
  const tables = configuredTables(state);
  return (
    <div className="screen">
      <h1>Conflicts</h1>
      <p className="muted">
        Rows both sides changed, and rows a full sync found on one side only whose binlogs cannot tell whether
        they were added there or deleted on the other side (<em>insert or delete?</em>). Those waiting for a
        person (the <code>manual</code> strategy, and every <em>insert or delete?</em>) are resolved here; the
        others show how their strategy decided.
      </p>
      <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label="Filter conflicts">
        <div>
          <label htmlFor={`${filterId}-table`}>Table</label>
          <select
            id={`${filterId}-table`}
            value={table}
            onChange={(event) => {
              setTable(event.target.value);
              setOffset(0);
            }}
          >
            <option value="">All tables</option>
            {[...new Set([...tables, ...(table === '' ? [] : [table])])].map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${filterId}-state`}>State</label>
          <select
            id={`${filterId}-state`}
            value={stateFilter}
            onChange={(event) => {
              setStateFilter(event.target.value as StateFilter);
              setOffset(0);
            }}
          >
            <option value="unresolved">Unresolved</option>
            <option value="resolved">Resolved</option>
            <option value="all">All</option>
          </select>
        </div>
      </form>
      <ErrorNotice title="The conflicts could not be loaded" error={page.error} />
      {page.data !== null && (
        <section className="card" aria-busy={page.loading}>
          {page.data.conflicts.length === 0 ? (
            <p className="muted" data-testid="no-conflicts">
              No conflicts match.
            </p>
          ) : (
            <ConflictTable conflicts={page.data.conflicts} />
          )}
          <Pager
            label="Conflicts"
            total={page.data.total}
            limit={pageSize}
            offset={offset}
            onOffset={setOffset}
          />
        </section>
      )}
    </div>
  );
}

export function ConflictTable(props: { readonly conflicts: readonly Conflict[] }): ReactNode {
  return (
    <div className="table-scroll">
      <table className="data-table" data-testid="conflict-list">
        <caption className="visually-hidden">Conflicts</caption>
        <thead>
          <tr>
            <th scope="col">Detected</th>
            <th scope="col">Table</th>
            <th scope="col">Key</th>
            <th scope="col">Type</th>
            <th scope="col">Differing columns</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {props.conflicts.map((conflict) => {
            const comparison = compareRows(conflict.localData, conflict.cloudData);
            return (
              <tr key={conflict.id}>
                <td>
                  <a href={routeHref({ screen: 'conflict', id: conflict.id })}>
                    {formatTime(conflict.detectedAt)}
                  </a>
                </td>
                <td>{conflict.tableName}</td>
                <td>
                  <code>{conflict.primaryKeyValue}</code>
                </td>
                <td title={conflictTypeLabel(conflict.conflictType).explanation}>
                  {conflictTypeLabel(conflict.conflictType).label}
                </td>
                <td>
                  {comparison.columns
                    .filter((column) => column.differs)
                    .map((column) => column.column)
                    .join(', ') || '—'}
                </td>
                <td>
                  {conflict.resolved ? (
                    <Badge tone="good">
                      resolved{conflict.resolutionSide === null ? '' : `: ${conflict.resolutionSide}`}
                    </Badge>
                  ) : (
                    <Badge tone="bad">waiting</Badge>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
