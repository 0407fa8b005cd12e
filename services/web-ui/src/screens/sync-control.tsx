import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { ApiClient } from '../api/api-client';
import type { RunProgress, StatusResponse, SyncDirection, TriggerRequest } from '../api/types';
import { ErrorNotice, ReadOnlyNote } from '../components/notices';
import { formatDirection } from '../logic/format';
import { useAction, useReadOnly } from '../session/session-context';

/**
 * The directions a full sync may take: core-sync runs full syncs in its configured mode only (another one
 * answers 400 SYNC_REQUEST_INVALID), so the choice is the configured mode, shown so the operator sees it.
 */
export function allowedDirections(mode: StatusResponse['mode'] | null): SyncDirection[] {
  return mode === null ? [] : [mode];
}

const trigger = (client: ApiClient, request: TriggerRequest): Promise<RunProgress> => client.trigger(request);
const stop = (client: ApiClient): Promise<RunProgress> => client.stop();

/**
 * Start a full sync (all tables or some, a direction), or preview one (a dry run: the same compare, reporting
 * what it would do and writing nothing), and stop the running one.
 */
export function SyncControl(props: {
  readonly mode: StatusResponse['mode'] | null;
  readonly tables: readonly string[];
  readonly run: RunProgress | null;
}): ReactNode {
  const readOnly = useReadOnly();
  const formId = useId();
  const directions = allowedDirections(props.mode);
  const [direction, setDirection] = useState<SyncDirection | ''>('');
  const directionId = `${formId}-direction`;
  const [allTables, setAllTables] = useState(true);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const starting = useAction(trigger);
  const previewing = useAction(trigger);
  const stopping = useAction(stop);
  const running = props.run?.state === 'running';
  const noTableChosen = !allTables && chosen.size === 0;

  const request = (dryRun: boolean): TriggerRequest => ({
    ...(allTables ? {} : { tables: props.tables.filter((table) => chosen.has(table)) }),
    ...(direction === '' ? {} : { direction }),
    ...(dryRun ? { dryRun: true } : {}),
  });

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    stopping.clearError();
    previewing.clearError();
    void starting.run(request(false));
  };

  const preview = (): void => {
    stopping.clearError();
    starting.clearError();
    void previewing.run(request(true));
  };

  const toggle = (table: string, checked: boolean): void => {
    const next = new Set(chosen);
    if (checked) next.add(table);
    else next.delete(table);
    setChosen(next);
  };

  const startDisabledReason = readOnly
    ? 'read-only token'
    : running
      ? 'a full sync is running'
      : noTableChosen
        ? 'choose at least one table'
        : null;

  return (
    <form className="sync-control" onSubmit={submit} aria-labelledby={`${formId}-title`}>
      <h2 id={`${formId}-title`}>Full sync</h2>
      <p className="muted small">
        Compares every chosen table chunk by chunk on both sides and repairs the rows that differ.{' '}
        <strong>Preview</strong> compares the same way and reports per table what a sync would copy, delete
        and change, writing nothing.
      </p>
      {readOnly && <ReadOnlyNote />}
      <fieldset disabled={readOnly || running}>
        <legend>Tables</legend>
        <label className="check">
          <input
            type="checkbox"
            checked={allTables}
            onChange={(event) => setAllTables(event.target.checked)}
          />
          All configured tables
        </label>
        {!allTables && (
          <div className="check-grid">
            {props.tables.map((table) => (
              <label className="check" key={table}>
                <input
                  type="checkbox"
                  name="tables"
                  value={table}
                  checked={chosen.has(table)}
                  onChange={(event) => toggle(table, event.target.checked)}
                />
                {table}
              </label>
            ))}
          </div>
        )}
      </fieldset>
      <label htmlFor={directionId}>Direction</label>
      <select
        id={directionId}
        aria-describedby={`${directionId}-hint`}
        value={direction}
        onChange={(event) => setDirection(event.target.value as SyncDirection | '')}
        disabled={readOnly || running}
      >
        <option value="">
          The configured mode{props.mode === null ? '' : ` (${formatDirection(props.mode)})`}
        </option>
        {directions.map((name) => (
          <option key={name} value={name}>
            {formatDirection(name)}
          </option>
        ))}
      </select>
      <span className="hint" id={`${directionId}-hint`}>
        Full syncs run in the configured mode (sync.mode).
      </span>
      <div className="actions">
        <button
          type="submit"
          className="button-primary"
          disabled={startDisabledReason !== null || starting.pending || previewing.pending}
          title={startDisabledReason ?? undefined}
        >
          {starting.pending ? 'Starting…' : 'Start sync'}
        </button>
        <button
          type="button"
          disabled={startDisabledReason !== null || previewing.pending || starting.pending}
          title={startDisabledReason ?? 'compare and report what a sync would do; nothing is written'}
          onClick={preview}
        >
          {previewing.pending ? 'Previewing…' : 'Preview'}
        </button>
        <button
          type="button"
          disabled={readOnly || !running || stopping.pending}
          title={readOnly ? 'read-only token' : running ? undefined : 'no full sync is running'}
          onClick={() => {
            starting.clearError();
            previewing.clearError();
            void stopping.run();
          }}
        >
          {stopping.pending ? 'Stopping…' : 'Stop sync'}
        </button>
      </div>
      {startDisabledReason !== null && !readOnly && (
        <p className="muted small" aria-live="polite">
          Start and preview are unavailable: {startDisabledReason}.
        </p>
      )}
      <ErrorNotice title="The sync did not start" error={starting.error} onDismiss={starting.clearError} />
      <ErrorNotice
        title="The preview did not start"
        error={previewing.error}
        onDismiss={previewing.clearError}
      />
      <ErrorNotice title="The sync did not stop" error={stopping.error} onDismiss={stopping.clearError} />
    </form>
  );
}
