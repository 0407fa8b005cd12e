import { useState, type ReactNode } from 'react';
import {
  choicesFor,
  formatPath,
  isKeptSecret,
  isRecord,
  isSecretKey,
  keptSecretId,
  labelOf,
  listFromLines,
  newTableEntry,
  redactedText,
  valueFromInput,
  type KeyPath,
} from '../logic/config-form';

export interface ConfigFieldsProps {
  readonly document: Readonly<Record<string, unknown>>;
  readonly problems: ReadonlyMap<string, readonly string[]>;
  readonly onChange: (path: KeyPath, value: unknown) => void;
}

/** The document's sections as groups of fields, in the document's order. */
export function ConfigFields(props: ConfigFieldsProps): ReactNode {
  return (
    <div className="config-sections">
      {Object.entries(props.document).map(([key, value]) => (
        <section className="card config-section" key={key}>
          <Node path={[key]} value={value} {...props} />
        </section>
      ))}
    </div>
  );
}

/** A scalar value as an input's text (objects, which the form shows as groups, as JSON). */
function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function fieldId(path: KeyPath): string {
  return `config-${formatPath(path).replace(/[^\w-]/g, '-')}`;
}

function Problems(props: {
  readonly id: string;
  readonly messages: readonly string[] | undefined;
}): ReactNode {
  if (props.messages === undefined || props.messages.length === 0) return null;
  return (
    <ul className="field-error" id={props.id}>
      {props.messages.map((message) => (
        <li key={message}>{message}</li>
      ))}
    </ul>
  );
}

function Node(props: ConfigFieldsProps & { readonly path: KeyPath; readonly value: unknown }): ReactNode {
  const { path, value } = props;
  if (isRecord(value)) return <Group {...props} value={value} />;
  if (Array.isArray(value) && isSecretKey(path.at(-1))) return <SecretList {...props} value={value} />;
  if (
    Array.isArray(value) &&
    (value.length === 0 ? formatPath(path) === 'sync.tables' : value.every(isRecord))
  ) {
    return <RecordList {...props} value={value as Record<string, unknown>[]} />;
  }
  return <Field {...props} />;
}

function Group(
  props: ConfigFieldsProps & { readonly path: KeyPath; readonly value: Record<string, unknown> },
): ReactNode {
  const { path, value } = props;
  const messages = props.problems.get(formatPath(path));
  const problemsId = `${fieldId(path)}-problems`;
  const last = path.at(-1);
  const title =
    typeof last === 'number' ? `${labelOf(path.at(-2) ?? '')} ${labelOf(last)}` : labelOf(last ?? '');
  const named = typeof value.name === 'string' && value.name !== '' ? `: ${value.name}` : '';
  return (
    <fieldset
      className={`config-group depth-${path.length}`}
      data-path={formatPath(path)}
      aria-invalid={messages !== undefined}
      aria-describedby={messages === undefined ? undefined : problemsId}
    >
      <legend>
        {title}
        {named}
      </legend>
      <Problems id={problemsId} messages={messages} />
      {Object.entries(value).map(([key, nested]) => (
        <Node key={key} {...props} path={[...path, key]} value={nested} />
      ))}
    </fieldset>
  );
}

function RecordList(
  props: ConfigFieldsProps & { readonly path: KeyPath; readonly value: readonly Record<string, unknown>[] },
): ReactNode {
  const { path, value } = props;
  const messages = props.problems.get(formatPath(path));
  const problemsId = `${fieldId(path)}-problems`;
  const isTables = formatPath(path) === 'sync.tables';
  return (
    <fieldset className="config-group config-list" data-path={formatPath(path)}>
      <legend>{labelOf(path.at(-1) ?? '')}</legend>
      <Problems id={problemsId} messages={messages} />
      {value.map((entry, index) => (
        <div className="config-list-entry" key={index}>
          <Node {...props} path={[...path, index]} value={entry} />
          <button
            type="button"
            className="button-quiet"
            onClick={() => props.onChange([...path, index], undefined)}
            aria-label={`Remove ${typeof entry.name === 'string' && entry.name !== '' ? entry.name : `entry ${index + 1}`}`}
          >
            Remove
          </button>
        </div>
      ))}
      {isTables && (
        <button type="button" onClick={() => props.onChange([...path, value.length], newTableEntry())}>
          Add table
        </button>
      )}
    </fieldset>
  );
}

/**
 * A list of secrets (the read-only tokens), one row each: a token the API does not show reads "set, not shown"
 * with the id of its placeholder, so removing a row removes exactly that token; a new one is typed into a
 * password field.
 */
function SecretList(
  props: ConfigFieldsProps & { readonly path: KeyPath; readonly value: readonly unknown[] },
): ReactNode {
  const { path, value, onChange } = props;
  const text = formatPath(path);
  const messages = props.problems.get(text);
  const problemsId = `${fieldId(path)}-problems`;
  const name = labelOf(path.at(-1) ?? '');
  return (
    <fieldset
      className="config-group config-secret-list"
      data-path={text}
      aria-invalid={messages !== undefined}
      aria-describedby={messages === undefined ? undefined : problemsId}
    >
      <legend>{name}</legend>
      <Problems id={problemsId} messages={messages} />
      {value.length === 0 && <p className="hint">None.</p>}
      {value.map((entry, index) => {
        const entryPath = [...path, index];
        const id = keptSecretId(entry);
        const kept = isKeptSecret(entry);
        return (
          <div
            className="config-list-entry secret-row"
            key={kept ? `${entry}-${index}` : `new-${index}`}
            data-path={formatPath(entryPath)}
          >
            {kept ? (
              <span className="secret-kept">
                set, not shown{id === null ? '' : ' '}
                {id !== null && <code>{id}</code>}
              </span>
            ) : (
              <input
                type="password"
                autoComplete="new-password"
                aria-label={`New entry ${index + 1} of ${name}`}
                value={typeof entry === 'string' ? entry : ''}
                onChange={(event) => onChange(entryPath, event.target.value)}
              />
            )}
            <button
              type="button"
              className="button-quiet"
              onClick={() => onChange(entryPath, undefined)}
              aria-label={`Remove entry ${index + 1} of ${name}${id === null ? '' : ` (${id})`}`}
            >
              Remove
            </button>
          </div>
        );
      })}
      <button type="button" onClick={() => onChange([...path, value.length], '')}>
        Add {name.replace(/s$/, '')}
      </button>
      <span className="hint">
        Removing an entry removes that one when saved; entries shown as “set, not shown” keep their value.
      </span>
    </fieldset>
  );
}

function Field(props: ConfigFieldsProps & { readonly path: KeyPath; readonly value: unknown }): ReactNode {
  const { path, value, onChange } = props;
  /** What the field showed first: a kept secret's placeholder, put back when a typed value is erased. */
  const [original] = useState(value);
  const id = fieldId(path);
  const text = formatPath(path);
  const messages = props.problems.get(text);
  const problemsId = `${id}-problems`;
  const invalid = messages !== undefined;
  const described = invalid ? problemsId : undefined;
  const key = path.at(-1);
  const common = {
    id,
    'data-path': text,
    'aria-invalid': invalid,
    'aria-describedby': described,
  } as const;
  let control: ReactNode;
  if (typeof value === 'boolean') {
    return (
      <div className="config-field config-check">
        <label className="check" htmlFor={id}>
          <input
            {...common}
            type="checkbox"
            checked={value}
            onChange={(event) => onChange(path, event.target.checked)}
          />
          {labelOf(key ?? '')}
        </label>
        <Problems id={problemsId} messages={messages} />
      </div>
    );
  }
  const choices = typeof value === 'string' ? choicesFor(path) : null;
  if (Array.isArray(value)) {
    control = (
      <>
        <textarea
          {...common}
          rows={Math.max(2, value.length + 1)}
          value={value.map(textOf).join('\n')}
          spellCheck={false}
          onChange={(event) => onChange(path, listFromLines(event.target.value))}
        />
        <span className="hint">One per line.</span>
      </>
    );
  } else if (choices !== null) {
    const current = textOf(value);
    const options = choices.includes(current) ? choices : [current, ...choices];
    control = (
      <select {...common} value={current} onChange={(event) => onChange(path, event.target.value)}>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    );
  } else if (isSecretKey(key)) {
    const unchanged = isKeptSecret(value);
    const erased = original === null || isKeptSecret(original) ? original : redactedText;
    control = (
      <>
        <input
          {...common}
          type="password"
          autoComplete="new-password"
          value={unchanged ? '' : textOf(value)}
          placeholder={unchanged ? 'unchanged (set, not shown)' : 'not set'}
          onChange={(event) => onChange(path, event.target.value === '' ? erased : event.target.value)}
        />
        <span className="hint">Type a new value to replace it; leave it empty to keep the current one.</span>
      </>
    );
  } else {
    control = (
      <input
        {...common}
        type={typeof value === 'number' ? 'number' : 'text'}
        value={textOf(value)}
        placeholder={value === null ? 'not set' : undefined}
        spellCheck={false}
        onChange={(event) =>
          onChange(
            path,
            value === null && event.target.value === '' ? null : valueFromInput(value, event.target.value),
          )
        }
      />
    );
  }
  return (
    <div className="config-field">
      <label htmlFor={id}>{labelOf(key ?? '')}</label>
      {control}
      <Problems id={problemsId} messages={messages} />
    </div>
  );
}
