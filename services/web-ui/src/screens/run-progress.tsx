import type { ReactNode } from 'react';
import type { RunProgress } from '../api/types';
import { Badge, ProgressBar, type BadgeTone } from '../components/notices';
import {
  durationSeconds,
  formatCount,
  formatDirection,
  formatPercent,
  formatRate,
  formatSeconds,
  formatTime,
} from '../logic/format';
import { runKindLabel } from '../logic/labels';
import { differingRows } from '../logic/run-changes';
import { tableRate, type TableClock } from '../live/live-state';
import { RunChanges } from './run-changes';

export const runTone: Record<RunProgress['state'], BadgeTone> = {
  idle: 'neutral',
  running: 'busy',
  completed: 'good',
  failed: 'bad',
  stopped: 'neutral',
};

function tablePercent(table: RunProgress['tables'][number]): number {
  if (table.state === 'done') return 100;
  return table.rowsTotal === 0 ? 0 : (100 * table.rowsCompared) / table.rowsTotal;
}

/** A run's kind as the head line names it: `manual sync`, `adoption run`. */
export function runTitle(kind: RunProgress['kind']): string {
  return `${runKindLabel(kind).label} ${kind === 'adoption' ? 'run' : 'sync'}`;
}

/**
 * A full-sync run: overall progress and each table's, then what it did to the rows that differ (for a dry run,
 * what it would do).
 */
export function RunProgressView(props: {
  readonly run: RunProgress;
  readonly now: number;
  readonly tableClocks?: Readonly<Record<string, TableClock>>;
}): ReactNode {
  const { run, now } = props;
  const running = run.state === 'running';
  const tableChanged = (table: RunProgress['tables'][number]): number =>
    run.dryRun ? differingRows(table.changes) : table.rowsChanged;
  return (
    <div
      className="run"
      data-testid="run-progress"
      data-run-state={run.state}
      data-dry-run={String(run.dryRun)}
    >
      <div className="run-head">
        <Badge tone={runTone[run.state]}>{run.state}</Badge>
        {run.dryRun && <Badge tone="neutral">preview</Badge>}
        <span title={runKindLabel(run.kind).explanation}>
          {runTitle(run.kind)}, {formatDirection(run.direction)}, started {formatTime(run.startedAt)}
          {run.finishedAt !== null &&
            `, took ${formatSeconds(durationSeconds(run.startedAt, run.finishedAt))}`}
        </span>
      </div>
      <ProgressBar percent={run.percent} label="Full sync progress" />
      <dl className="figures">
        <div>
          <dt>Progress</dt>
          <dd data-testid="run-percent">{formatPercent(run.percent)}</dd>
        </div>
        <div>
          <dt>Rows compared</dt>
          <dd>
            {formatCount(run.rowsCompared)} / {formatCount(run.rowsTotal)}
          </dd>
        </div>
        <div>
          <dt>{run.dryRun ? 'Rows that differ' : 'Rows changed'}</dt>
          <dd>
            {formatCount(
              run.dryRun
                ? run.tables.reduce((sum, table) => sum + differingRows(table.changes), 0)
                : run.rowsChanged,
            )}
          </dd>
        </div>
        <div>
          <dt>Conflicts</dt>
          <dd>{formatCount(run.conflicts)}</dd>
        </div>
        <div>
          <dt>Rate</dt>
          <dd>{formatRate(run.rowsPerSecond)}</dd>
        </div>
        <div>
          <dt>{running ? 'ETA' : 'Duration'}</dt>
          <dd>
            {running
              ? formatSeconds(run.etaSeconds)
              : formatSeconds(durationSeconds(run.startedAt, run.finishedAt, now))}
          </dd>
        </div>
      </dl>
      {run.error !== null && (
        <p className="notice notice-error" role="alert">
          <code>{run.error.code}</code> {run.error.message}
        </p>
      )}
      <div className="table-scroll">
        <table className="data-table">
          <caption className="visually-hidden">Progress per table</caption>
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col">State</th>
              <th scope="col" className="progress-column">
                Progress
              </th>
              <th scope="col" className="numeric">
                Rows
              </th>
              <th scope="col" className="numeric">
                {run.dryRun ? 'Differ' : 'Changed'}
              </th>
              <th scope="col" className="numeric">
                Conflicts
              </th>
              <th scope="col" className="numeric">
                Rate
              </th>
              <th scope="col" className="numeric">
                ETA
              </th>
            </tr>
          </thead>
          <tbody>
            {run.tables.map((table) => {
              const percent = tablePercent(table);
              const rate = tableRate(props.tableClocks?.[table.table], table, now);
              return (
                <tr key={table.table}>
                  <th scope="row">{table.table}</th>
                  <td>
                    {table.state}
                    {table.error !== null && <span className="cell-error"> — {table.error}</span>}
                  </td>
                  <td className="progress-column">
                    <ProgressBar percent={percent} label={`${table.table} progress`} />
                    <span className="small">{formatPercent(percent)}</span>
                  </td>
                  <td className="numeric">
                    {formatCount(table.rowsCompared)} / {formatCount(table.rowsTotal)}
                  </td>
                  <td className="numeric">{formatCount(tableChanged(table))}</td>
                  <td className="numeric">{formatCount(table.conflicts)}</td>
                  <td className="numeric">
                    {rate.rowsPerSecond === null ? '—' : formatRate(rate.rowsPerSecond)}
                  </td>
                  <td className="numeric">{formatSeconds(rate.etaSeconds)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <RunChanges run={run} />
    </div>
  );
}
