import type { ReactNode } from 'react';
import { directionName, type DirectionName, type DirectionStatus } from '../api/types';
import { Badge, type BadgeTone } from '../components/notices';
import { latestSample, streamHealth, type LiveState, type StreamHealth } from '../live/live-state';
import { formatCount, formatDirection, formatLag, formatRate, formatTime } from '../logic/format';

const healthTone: Record<StreamHealth, BadgeTone> = {
  up: 'good',
  reconnecting: 'busy',
  down: 'bad',
  off: 'neutral',
};

/** One replication direction: its states, figures, errors, failing applies and paused tables. */
export function DirectionCard(props: {
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
      {direction.applyFailure !== null && direction.state !== 'failed' && (
        <div className="notice notice-error" role="alert" data-testid={`apply-failure-${name}`}>
          <p className="notice-title">
            Changes are not applied to {direction.target} since {formatTime(direction.applyFailure.since)}
          </p>
          <p className="notice-message">
            <code>{direction.applyFailure.code}</code> {direction.applyFailure.message}
          </p>
          <p className="notice-meta">The failing batches are retried until they succeed; nothing is lost.</p>
        </div>
      )}
      {paused.length > 0 && (
        <p className="notice notice-warning">
          Paused: {paused.map((table) => table.table).join(', ')}. The Paused tables card above says why and
          resumes them.
        </p>
      )}
    </section>
  );
}
