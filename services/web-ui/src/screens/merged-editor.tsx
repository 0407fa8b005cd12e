import { useId, type ReactNode } from 'react';
import { cellFrom, type ColumnComparison, type MergedDraft, type RowComparison } from '../logic/row-diff';

/** The merged row an operator edits: one field per column, NULL per column, and the other side's value to pick. */
export function MergedEditor(props: {
  readonly comparison: RowComparison;
  readonly draft: MergedDraft;
  readonly onChange: (draft: MergedDraft) => void;
  readonly disabled: boolean;
  readonly onSubmit: () => void;
  readonly onCancel: () => void;
}): ReactNode {
  const editorId = useId();
  const set = (column: string, cell: MergedDraft[string]): void =>
    props.onChange({ ...props.draft, [column]: cell });
  return (
    <form
      className="merged-editor"
      aria-label="Merged row"
      onSubmit={(event) => {
        event.preventDefault();
        props.onSubmit();
      }}
    >
      <fieldset disabled={props.disabled}>
        <legend>Merged row</legend>
        {props.comparison.columns.map((column: ColumnComparison) => {
          const cell = props.draft[column.column] ?? { text: '', isNull: true };
          const inputId = `${editorId}-${column.column}`;
          return (
            <div className={`merged-field${column.differs ? ' differs' : ''}`} key={column.column}>
              <label htmlFor={inputId}>
                {column.column}
                {column.differs && <span className="differs-mark"> ≠</span>}
              </label>
              <input
                id={inputId}
                name={column.column}
                value={cell.text}
                disabled={cell.isNull}
                onChange={(event) => set(column.column, { text: event.target.value, isNull: false })}
              />
              <label className="check small">
                <input
                  type="checkbox"
                  checked={cell.isNull}
                  onChange={(event) => set(column.column, { text: cell.text, isNull: event.target.checked })}
                />
                NULL
              </label>
              {column.differs && (
                <span className="pick">
                  <button
                    type="button"
                    className="button-quiet"
                    onClick={() => set(column.column, cellFrom(column.local))}
                  >
                    use local
                  </button>
                  <button
                    type="button"
                    className="button-quiet"
                    onClick={() => set(column.column, cellFrom(column.cloud))}
                  >
                    use cloud
                  </button>
                </span>
              )}
            </div>
          );
        })}
        <div className="actions">
          <button type="submit" className="button-primary">
            Use this row
          </button>
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </fieldset>
    </form>
  );
}
