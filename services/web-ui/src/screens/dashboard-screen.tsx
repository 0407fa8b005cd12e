import type { ReactNode } from 'react';
import { directionName } from '../api/types';
import { Badge, ErrorNotice } from '../components/notices';
import { formatDirection, formatSeconds } from '../logic/format';
import { useLive, useNow } from '../live/live-context';
import { configuredTables, overview, pausedTables, type LiveState } from '../live/live-state';
import { AdoptionNotice } from './adoption-notice';
import { DirectionCard } from './direction-card';
import { LiveChart, type ChartSeries } from './live-charts';
import { PausedTables } from './paused-tables';
import { RunProgressView } from './run-progress';
import { SyncControl } from './sync-control';

export function DashboardScreen(): ReactNode {
  const { state, problem, reloadSnapshot } = useLive();
  const now = useNow();
  const summary = overview(state);
  const series: ChartSeries[] = state.directions.map((direction) => {
    const name = directionName(direction);
    return { direction: name, samples: state.samples[name] ?? [] };
  });
  return (
    <div className="screen">
      <h1>Dashboard</h1>
      <StreamNotice state={state} now={now} />
      <ErrorNotice title="The live view has a problem" error={problem} />
      {state.snapshotLoaded && (
        <section className="card overview" aria-label="Overall status" data-testid="overview">
          <Badge tone={summary.state === 'error' ? 'bad' : summary.state === 'syncing' ? 'busy' : 'good'}>
            {summary.state}
          </Badge>
          {summary.problems.length > 1 ? (
            <ul className="overview-problems">
              {summary.problems.map((text) => (
                <li key={text}>{text}</li>
              ))}
            </ul>
          ) : (
            <span>{summary.explanation}</span>
          )}
          <span className="muted small">mode {state.mode === null ? '—' : formatDirection(state.mode)}</span>
        </section>
      )}
      <PausedTables paused={pausedTables(state)} run={state.run} onResumed={reloadSnapshot} />
      <AdoptionNotice tables={state.adoptingTables} run={state.run} />
      <div className="grid directions">
        {state.directions.map((direction) => (
          <DirectionCard key={directionName(direction)} direction={direction} state={state} now={now} />
        ))}
      </div>
      <div className="grid run-and-control">
        <section className="card" aria-labelledby="current-run-title">
          <h2 id="current-run-title">Current full sync</h2>
          {state.run === null ? (
            <p className="muted">No full sync has run since the service started.</p>
          ) : (
            <RunProgressView run={state.run} now={now} tableClocks={state.tableClocks} />
          )}
        </section>
        <section className="card">
          <SyncControl mode={state.mode} tables={configuredTables(state)} run={state.run} />
        </section>
      </div>
      <section className="card" aria-labelledby="charts-title">
        <h2 id="charts-title">Throughput and lag</h2>
        <div className="grid two">
          <LiveChart
            title="Rows applied per second"
            unit="rows/s"
            series={series}
            pick={(sample) => sample.rowsPerSecond}
            now={now}
          />
          <LiveChart
            title="Replication lag"
            unit="ms"
            series={series}
            pick={(sample) => sample.lagMs}
            now={now}
          />
        </div>
      </section>
    </div>
  );
}

function StreamNotice(props: { readonly state: LiveState; readonly now: number }): ReactNode {
  const { stream } = props.state;
  switch (stream.state) {
    case 'open':
      return (
        <p className="live-line small" role="status" data-testid="stream-state" data-state="open">
          <span className="dot dot-good" aria-hidden="true" /> Live
        </p>
      );
    case 'connecting':
      return (
        <p className="live-line small" role="status" data-testid="stream-state" data-state="connecting">
          <span className="dot dot-busy" aria-hidden="true" /> Connecting to the event stream…
        </p>
      );
    case 'reconnecting': {
      const waitSeconds =
        stream.nextAttemptAt === null ? null : Math.max(0, (stream.nextAttemptAt - props.now) / 1000);
      return (
        <p
          className="notice notice-warning"
          role="status"
          data-testid="stream-state"
          data-state="reconnecting"
        >
          Event stream interrupted ({stream.reason}); reconnecting
          {waitSeconds === null ? '' : ` in ${formatSeconds(Math.ceil(waitSeconds))}`} (attempt{' '}
          {stream.attempt}). What is shown may be out of date.
        </p>
      );
    }
    case 'closed':
      return (
        <p className="notice notice-error" role="alert" data-testid="stream-state" data-state="closed">
          The event stream is closed: {stream.reason}. Reload the page to try again.
        </p>
      );
  }
}
