import { useId, type ReactNode } from 'react';
import type { RunProgress } from '../api/types';

/**
 * Tables being adopted (bidirectional, rows on both sides when syncing began): both directions stream their
 * changes already, and an adoption run settles the rows that differed before. Shown while any is listed.
 */
export function AdoptionNotice(props: {
  readonly tables: readonly string[];
  readonly run: RunProgress | null;
}): ReactNode {
  const titleId = useId();
  const { tables, run } = props;
  if (tables.length === 0) return null;
  const adoptionRunning = run?.state === 'running' && run.kind === 'adoption' && !run.dryRun;
  return (
    <section className="card notice-info adoption" aria-labelledby={titleId} data-testid="adopting-tables">
      <h2 id={titleId}>Adopting {tables.length === 1 ? 'a table' : `${tables.length} tables`}</h2>
      <ul className="adopting-list">
        {tables.map((table) => (
          <li key={table}>
            <code>{table}</code>
          </li>
        ))}
      </ul>
      <p>
        {tables.length === 1 ? 'This table' : 'These tables'} had rows on both sides when syncing began. Both
        directions stream their changes now; the rows that already differed are settled by an{' '}
        <strong>adoption run</strong>, a full sync the scheduler starts (and starts again, after 1 min and
        then less often, until they are settled). Until then the two sides may still differ in those rows.
      </p>
      <p className="small" data-testid="adoption-run-state">
        {adoptionRunning
          ? 'The adoption run is under way: see “Current full sync” below.'
          : 'Preview (below) shows what the run will copy, delete and change, and which rows it will list as conflicts.'}
      </p>
    </section>
  );
}
