import type { ReactNode } from 'react';
import { directionName, type DirectionName, type DirectionStatus } from '../api/types';
import { Badge, ErrorNotice, type BadgeTone } from '../components/notices';
import { formatCount, formatDirection, formatLag, formatRate, formatSeconds } from '../logic/format';
import { useLive, useNow } from '../live/live-context';
import {
  configuredTables,
  latestSample,
  overview,
  streamHealth,
  type LiveState,
  type StreamHealth,
} from '../live/live-state';
import { LiveChart, type ChartSeries } from './live-charts';
import { RunProgressView } from './run-progress';
import { SyncControl } from './sync-control';

const healthTone: Record<StreamHealth, BadgeTone> = {
  up: 'good',
  reconnecting: 'busy',
  down: 'bad',
  off: 'neutral',
};

export function DashboardScreen(): ReactNode {
  const { state, problem } = useLive();
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
          <span>{summary.explanation}</span>
          <span className="muted small">mode {state.mode === null ? '—' : formatDirection(state.mode)}</span>
        </section>
      )}
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

function DirectionCard(props: {
  readonly direction: DirectionStatus;
  readonly state: LiveState;
  readonly now: number;
}): ReactNode {
  const { direction } = props;
  const name: DirectionName = directionName(direction);
  const health = streamHealth(direction);
  const sample = latestSample(props.state, name, props.now);
  const paused = direction.tables.filter((table) => table.state === 'paused');
  const capacity = direction.backpressure?.queueCapacity;
  return (
    <section className="card direction" aria-label={formatDirection(name)} data-testid={`direction-${name}`}>
      <h2>{formatDirection(name)}</h2>
      <p className="direction-states">
        <Badge
          tone={direction.state === 'failed' ? 'bad' : direction.state === 'streaming' ? 'good' : 'busy'}
        >
          {direction.state}
        </Badge>
        <span>
          stream <Badge tone={healthTone[health]}>{health}</Badge>
        </span>
      </p>
      <dl className="figures">
        <div>
          <dt>Lag</dt>
          <dd>{formatLag(sample?.lagMs ?? direction.stream?.lagMs ?? null)}</dd>
        </div>
        <div>
          <dt>Throughput</dt>
          <dd>{sample === null ? '—' : formatRate(sample.rowsPerSecond)}</dd>
        </div>
        <div>
          <dt>Queue</dt>
          <dd>
            {formatCount(direction.queueDepth)}
            {capacity === undefined ? '' : ` / ${formatCount(capacity)}`}
            {direction.backpressure?.sourcePaused === true && ' (reading paused)'}
          </dd>
        </div>
        <div>
          <dt>Rows applied</dt>
          <dd>{formatCount(direction.rowsApplied)}</dd>
        </div>
      </dl>
      {direction.stream?.position != null && (
        <p className="muted small">
          position <code>{direction.stream.position}</code>
          {direction.stream.reconnectAttempt > 0 &&
            `, reconnect attempt ${direction.stream.reconnectAttempt}`}
        </p>
      )}
      {direction.error !== null && (
        <p className="notice notice-error" role="alert">
          <code>{direction.error.code}</code> {direction.error.message}
        </p>
      )}
      {direction.stream?.lastError != null && health !== 'up' && (
        <p className="notice notice-warning">
          <code>{direction.stream.lastError.code}</code> {direction.stream.lastError.message}
        </p>
      )}
      {paused.map((table) => (
        <p className="notice notice-warning" key={table.table}>
          Table <strong>{table.table}</strong> is paused ({table.pause?.reason}): {table.pause?.message}
        </p>
      ))}
    </section>
  );
}
