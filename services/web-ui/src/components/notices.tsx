import type { ReactNode } from 'react';
import { ApiError } from '../api/api-client';

/** An error as an operator needs it: what failed, the API's message and code, and the trace id for the logs. */
export function ErrorNotice(props: {
  readonly title: string;
  readonly error: Error | null;
  readonly onDismiss?: () => void;
}): ReactNode {
  const { error } = props;
  if (error === null) return null;
  const apiError = error instanceof ApiError ? error : null;
  return (
    <div className="notice notice-error" role="alert">
      <p className="notice-title">{props.title}</p>
      <p className="notice-message">{error.message}</p>
      {apiError !== null && (
        <p className="notice-meta">
          {apiError.status === 0 ? 'no answer' : `HTTP ${apiError.status}`} · <code>{apiError.code}</code>
          {apiError.traceId !== null && (
            <>
              {' '}
              · trace id <code>{apiError.traceId}</code>
            </>
          )}
        </p>
      )}
      {props.onDismiss !== undefined && (
        <button type="button" className="button-quiet" onClick={props.onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

export const readOnlyExplanation =
  'You are signed in with a read-only token: you can see everything, but starting, stopping or resuming syncs, resolving conflicts and changing the configuration need the admin token (server.auth_token).';

export function ReadOnlyNote(): ReactNode {
  return (
    <p className="notice notice-info" role="note">
      {readOnlyExplanation}
    </p>
  );
}

export function ProgressBar(props: { readonly percent: number; readonly label: string }): ReactNode {
  const percent = Math.min(100, Math.max(0, props.percent));
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(percent * 10) / 10}
    >
      <div className="progress-fill" style={{ width: `${percent}%` }} />
    </div>
  );
}

export type BadgeTone = 'good' | 'busy' | 'bad' | 'neutral';

export function Badge(props: { readonly tone: BadgeTone; readonly children: ReactNode }): ReactNode {
  return <span className={`badge badge-${props.tone}`}>{props.children}</span>;
}

export function Pager(props: {
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
  readonly onOffset: (offset: number) => void;
  readonly label: string;
}): ReactNode {
  const { total, limit, offset } = props;
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(total, offset + limit);
  return (
    <nav className="pager" aria-label={`${props.label} pages`}>
      <button
        type="button"
        onClick={() => props.onOffset(Math.max(0, offset - limit))}
        disabled={offset === 0}
      >
        ← Newer
      </button>
      <span aria-live="polite">
        {first}–{last} of {total}
      </span>
      <button type="button" onClick={() => props.onOffset(offset + limit)} disabled={last >= total}>
        Older →
      </button>
    </nav>
  );
}
