import type { ReactNode } from 'react';
import { directionName, type DirectionStatus } from '../api/types';
import { Badge, type BadgeTone } from '../components/notices';
import { formatDirection, formatSeconds, formatTime } from '../logic/format';

type SchemaChange = DirectionStatus['schemaChanges'][number];

/** What each state of a schema change means, for its badge's tone and tooltip. */
const stateLabels: Readonly<Record<SchemaChange['state'], { tone: BadgeTone; explanation: string }>> = {
  waiting: { tone: 'busy', explanation: 'Waits for the changes read before it to be applied' },
  applying: { tone: 'busy', explanation: 'Running on the target' },
  applied: { tone: 'good', explanation: 'Run on the target' },
  'found-applied': { tone: 'good', explanation: 'The target had it already: not run again' },
  echo: { tone: 'neutral', explanation: "The service's own statement, run here for the other direction" },
  followed: { tone: 'good', explanation: 'The target had the same columns (sync.ddl: pause)' },
  paused: { tone: 'bad', explanation: 'Not carried over: the table is paused' },
};

interface DirectedChange extends SchemaChange {
  readonly direction: string;
}

/** Both directions' schema changes since the service started, newest first. */
export function schemaChangesOf(directions: readonly DirectionStatus[]): DirectedChange[] {
  return directions
    .flatMap((direction) =>
      direction.schemaChanges.map((change) => ({ ...change, direction: directionName(direction) })),
    )
    .sort((left, right) => Date.parse(right.seenAt) - Date.parse(left.seenAt));
}

/** The schema changes (DDL) the service read from the sources since it started, and where each stands. */
export function SchemaChanges(props: { readonly directions: readonly DirectionStatus[] }): ReactNode {
  const changes = schemaChangesOf(props.directions);
  return (
    <section className="card" aria-labelledby="schema-changes-title">
      <h2 id="schema-changes-title">Schema changes</h2>
      {changes.length === 0 ? (
        <p className="muted">No schema change of a synced table since the service started.</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table" data-testid="schema-change-list">
            <caption className="visually-hidden">Schema changes since the service started</caption>
            <thead>
              <tr>
                <th scope="col">Seen</th>
                <th scope="col">Direction</th>
                <th scope="col">Table</th>
                <th scope="col">Statement</th>
                <th scope="col">State</th>
                <th scope="col" className="numeric">
                  Took
                </th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {changes.map((change) => (
                <tr key={`${change.direction}:${change.position}:${change.table}`}>
                  <td>{formatTime(change.seenAt)}</td>
                  <td>{formatDirection(change.direction)}</td>
                  <td>{change.table}</td>
                  <td>
                    <code>{change.statement}</code>
                  </td>
                  <td title={stateLabels[change.state].explanation}>
                    <Badge tone={stateLabels[change.state].tone}>{change.state}</Badge>
                  </td>
                  <td className="numeric">
                    {change.durationMs === null ? '—' : formatSeconds(change.durationMs / 1_000)}
                  </td>
                  <td className="cell-error">{change.message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
