import { useId, type ReactNode } from 'react';
import type { RunProgress } from '../api/types';
import { formatCount } from '../logic/format';
import {
  categoryWording,
  sideBreakdown,
  summarizeRunChanges,
  type ChangeLine,
  type TableChangeSummary,
} from '../logic/run-changes';
import { routeHref } from '../router';

/**
 * What a run did to the rows that differ, or, for a dry run, what it would do: the totals first (zeros dimmed),
 * then each table with differing rows, only the decisions it had, with sample keys to expand.
 */
export function RunChanges(props: { readonly run: RunProgress }): ReactNode {
  const { run } = props;
  const titleId = useId();
  const summary = summarizeRunChanges(run);
  const running = run.state === 'running';
  return (
    <section
      className={`run-changes${run.dryRun ? ' run-changes-preview' : ''}`}
      aria-labelledby={titleId}
      data-testid="run-changes"
      data-dry-run={String(run.dryRun)}
    >
      <h3 id={titleId}>
        {run.dryRun
          ? 'Preview — nothing was written'
          : running
            ? 'What the run has done so far'
            : 'What the run did'}
      </h3>
      <p className="muted small">
        {run.dryRun
          ? 'What a full sync of these tables would do now. Nothing was copied, deleted or changed, and no conflict was listed; rows written since may change the outcome.'
          : 'The rows that differed between the sides, by what the run did with them.'}
      </p>
      <PendingChanges run={run} />
      <dl className="figures change-totals" data-testid="change-totals">
        {summary.totals.map((line) => (
          <TotalFigure key={line.category} line={line} dryRun={run.dryRun} />
        ))}
      </dl>
      {summary.total === 0 ? (
        <p data-testid="no-changes">{noChangesText(run)}</p>
      ) : (
        <ul className="table-changes-list">
          {summary.tables.map((table) => (
            <TableChangesEntry key={table.table} summary={table} run={run} />
          ))}
        </ul>
      )}
      {summary.equalTables.length > 0 && (
        <p className="muted small" data-testid="equal-tables">
          Equal on both sides: {summary.equalTables.join(', ')}
        </p>
      )}
    </section>
  );
}

/**
 * A preview with `realtime: false` (bidirectional): the changes since the last run that a real run applies first,
 * which the preview has read and not applied; the figures below include the rows they would carry over.
 */
function PendingChanges(props: { readonly run: RunProgress }): ReactNode {
  const pending = props.run.pendingChanges;
  if (!props.run.dryRun || pending === null) return null;
  const total = pending.local + pending.cloud;
  return (
    <p className="notice small" data-testid="pending-changes" role="note">
      {total === 0
        ? 'No changes wait from the binlogs: a real run applies none before it compares.'
        : `Not applied yet: ${formatCount(pending.local)} ${pending.local === 1 ? 'change' : 'changes'} on local and ` +
          `${formatCount(pending.cloud)} on cloud since the last run. A real run applies them first, from the ` +
          'binlogs; the figures below count the rows as they are now, so they include what those changes would ' +
          'carry over, and the real run will report that much less.'}
    </p>
  );
}

function noChangesText(run: RunProgress): string {
  if (run.state === 'running') return 'No differing rows so far.';
  if (run.state !== 'completed') return 'No differing rows were found before the run ended.';
  return run.dryRun
    ? 'No rows differ: a full sync would write nothing.'
    : 'No rows differed: the run wrote nothing.';
}

function TotalFigure(props: { readonly line: ChangeLine; readonly dryRun: boolean }): ReactNode {
  const { line } = props;
  const wording = categoryWording(line.category, props.dryRun);
  const breakdown = sideBreakdown(line, wording);
  return (
    <div
      className={line.count === 0 ? 'zero' : undefined}
      data-category={line.category}
      title={wording.explanation}
    >
      <dt>{wording.title}</dt>
      <dd>
        {formatCount(line.count)}
        {breakdown !== '' && <span className="muted small"> ({breakdown})</span>}
      </dd>
    </div>
  );
}

function TableChangesEntry(props: {
  readonly summary: TableChangeSummary;
  readonly run: RunProgress;
}): ReactNode {
  const { summary, run } = props;
  return (
    <li className="table-changes" data-testid={`changes-${summary.table}`}>
      <p className="table-changes-head">
        <strong>{summary.table}</strong>{' '}
        <span className="muted small">
          {formatCount(summary.total)} differing {summary.total === 1 ? 'row' : 'rows'}
        </span>
      </p>
      <ul className="change-lines">
        {summary.lines.map((line) => {
          const wording = categoryWording(line.category, run.dryRun);
          const breakdown = sideBreakdown(line, wording);
          const listed = line.category === 'conflicts' || line.category === 'undecided';
          return (
            <li key={line.category} data-category={line.category}>
              <span className="change-title" title={wording.explanation}>
                {wording.title}
              </span>{' '}
              <span className="change-count">{formatCount(line.count)}</span>
              {breakdown !== '' && <span className="muted"> ({breakdown})</span>}
              {listed && !run.dryRun && (
                <>
                  {' '}
                  (
                  <a
                    className="small"
                    href={routeHref({ screen: 'conflicts' })}
                    title="the conflicts screen lists them for a person"
                  >
                    resolve them
                  </a>
                  )
                </>
              )}
              <SampleKeys keys={line.sampleKeys} count={line.count} />
            </li>
          );
        })}
      </ul>
    </li>
  );
}

function SampleKeys(props: { readonly keys: readonly string[]; readonly count: number }): ReactNode {
  const { keys, count } = props;
  if (keys.length === 0) return null;
  return (
    <details className="sample-keys">
      <summary className="small">
        {keys.length < count
          ? `keys (first ${keys.length} of ${formatCount(count)})`
          : keys.length === 1
            ? 'key'
            : `keys (${keys.length})`}
      </summary>
      <ul className="key-list">
        {keys.map((key) => (
          <li key={key}>
            <code>{key}</code>
          </li>
        ))}
      </ul>
    </details>
  );
}
