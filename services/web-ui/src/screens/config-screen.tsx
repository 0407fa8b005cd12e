import { useState, type ReactNode } from 'react';
import { ApiError, type ApiClient, type FieldProblem } from '../api/api-client';
import type { ConfigDocument, ConfigUpdateResult } from '../api/types';
import { ErrorNotice, ReadOnlyNote } from '../components/notices';
import { placeProblems, shownPaths, withValueAt } from '../logic/config-form';
import { useAction, useQuery, useReadOnly } from '../session/session-context';
import { ConfigFields } from './config-fields';

const save = (client: ApiClient, document: ConfigDocument): Promise<ConfigUpdateResult> =>
  client.updateConfig(document);

/** The problems of a refused save, by key path (`body.` dropped from request-validation paths). */
export function problemsOf(error: Error | null): FieldProblem[] {
  if (!(error instanceof ApiError)) return [];
  return error.fieldProblems.map((problem) => ({
    path: problem.path.replace(/^body\.?/, ''),
    message: problem.message,
  }));
}

/**
 * The configuration as saved (secrets redacted), edited as a form or as JSON, saved with PUT /config; the keys
 * saved but waiting for a restart of core-sync are listed.
 */
export function ConfigScreen(): ReactNode {
  const readOnly = useReadOnly();
  const loaded = useQuery((client) => client.config(), 'config');
  /** The configuration the last save answered with: newer than what was loaded. */
  const [saved, setSaved] = useState<ConfigDocument | null>(null);
  /** The edited document; null while nothing is edited. */
  const [draft, setDraft] = useState<ConfigDocument | null>(null);
  const [jsonText, setJsonText] = useState<string | null>(null);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [result, setResult] = useState<ConfigUpdateResult | null>(null);
  const action = useAction(save);

  const problems = problemsOf(action.error);
  const baseline = saved ?? loaded.data?.config ?? null;
  const awaitingRestart = loaded.data?.restartRequired ?? [];
  const document = draft ?? baseline;
  const placement = placeProblems(problems, shownPaths(document ?? {}));
  const dirty = draft !== null && JSON.stringify(draft) !== JSON.stringify(baseline);

  const submit = (): void => {
    let toSave = document;
    if (jsonText !== null) {
      try {
        toSave = JSON.parse(jsonText) as ConfigDocument;
      } catch (error) {
        setJsonError(`The JSON is not valid: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
    }
    if (toSave === null) return;
    setResult(null);
    void action.run(toSave).then((answer) => {
      if (answer === null) return;
      setResult(answer);
      setSaved(answer.config);
      setDraft(null);
      setJsonText(null);
      // What now waits for a restart, over every save so far.
      loaded.reload();
    });
  };

  const toggleJson = (): void => {
    if (jsonText === null) {
      setJsonText(JSON.stringify(document, null, 2));
      return;
    }
    try {
      setDraft(JSON.parse(jsonText) as ConfigDocument);
      setJsonText(null);
      setJsonError(null);
    } catch (error) {
      setJsonError(`The JSON is not valid: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  return (
    <div className="screen">
      <h1>Configuration</h1>
      <p className="muted">
        The configuration as saved, in its file’s shape. Passwords and tokens read <code>[redacted]</code>:
        leave them untouched to keep them. Saving validates the whole document, writes the file and applies
        what can change while running.
      </p>
      {readOnly && <ReadOnlyNote />}
      <ErrorNotice title="The configuration could not be loaded" error={loaded.error} />
      {result !== null && <SaveResult result={result} />}
      {result === null && awaitingRestart.length > 0 && (
        <div className="notice" role="status" data-testid="config-awaiting-restart">
          <p>Saved, but not in effect until core-sync restarts: {awaitingRestart.join(', ')}.</p>
        </div>
      )}
      {document !== null && (
        <form
          className="config-form"
          onSubmit={(event) => {
            event.preventDefault();
            submit();
          }}
          aria-label="Configuration"
        >
          <div className="actions sticky-actions">
            <button
              type="submit"
              className="button-primary"
              disabled={readOnly || action.pending || (!dirty && jsonText === null)}
            >
              {action.pending ? 'Saving…' : 'Save configuration'}
            </button>
            <button
              type="button"
              disabled={!dirty || action.pending}
              onClick={() => {
                setDraft(null);
                setJsonText(null);
                action.clearError();
              }}
            >
              Discard changes
            </button>
            <button
              type="button"
              className="button-quiet"
              onClick={toggleJson}
              aria-pressed={jsonText !== null}
            >
              {jsonText === null ? 'Edit as JSON' : 'Back to the form'}
            </button>
          </div>
          {action.error !== null && (
            <ErrorNotice
              title="The configuration was not saved"
              error={action.error}
              onDismiss={action.clearError}
            />
          )}
          {placement.unplaced.length > 0 && (
            <ul className="problem-list" aria-label="Other problems">
              {placement.unplaced.map((problem) => (
                <li key={`${problem.path}:${problem.message}`}>
                  <code>{problem.path === '' ? '(whole document)' : problem.path}</code>: {problem.message}
                </li>
              ))}
            </ul>
          )}
          {jsonText !== null ? (
            <div className="json-editor">
              <label htmlFor="config-json">Configuration (JSON)</label>
              <textarea
                id="config-json"
                value={jsonText}
                spellCheck={false}
                rows={30}
                onChange={(event) => {
                  setJsonText(event.target.value);
                  setJsonError(null);
                }}
                readOnly={readOnly}
                aria-invalid={jsonError !== null}
              />
              {jsonError !== null && (
                <p className="field-error" role="alert">
                  {jsonError}
                </p>
              )}
            </div>
          ) : (
            <fieldset disabled={readOnly || action.pending} className="plain">
              <ConfigFields
                document={document}
                problems={placement.byPath}
                onChange={(path, value) =>
                  setDraft((current) => withValueAt(current ?? document, path, value) as ConfigDocument)
                }
              />
            </fieldset>
          )}
        </form>
      )}
    </div>
  );
}

function SaveResult(props: { readonly result: ConfigUpdateResult }): ReactNode {
  const { applied, restartRequired } = props.result;
  return (
    <div className="notice notice-success" role="status" data-testid="config-saved">
      <p className="notice-title">Configuration saved.</p>
      <p>
        {applied.length === 0
          ? 'Nothing changed that applies while running.'
          : `In effect now: ${applied.join(', ')}.`}
      </p>
      {restartRequired.length > 0 && (
        <p>
          <strong>Restart core-sync</strong> for these to take effect: {restartRequired.join(', ')}.
        </p>
      )}
    </div>
  );
}
