/** Toolbar option groups shared by several tools. */
import type { ToolOptionsProps } from './types';

/** The class the eraser and polygon subtract write. */
export function EraseToOption({ prefs, store, classes }: ToolOptionsProps) {
  return (
    <div className="group">
      <label htmlFor="erase-to">Erase to</label>
      <select id="erase-to" value={prefs.eraseTo} onChange={(e) => store.set({ eraseTo: Number(e.target.value) })}>
        {classes.map((c) => (
          <option key={c.index} value={c.index}>
            {c.index} {c.title}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Reassign the selection (lasso / rectangle) to the current class, optionally only one class's pixels. */
export function SelectionOptions({ prefs, store, classes, selection, titleWithKey, run }: ToolOptionsProps) {
  const title = (i: number) => classes.find((c) => c.index === i)?.title ?? String(i);
  return (
    <div className="group">
      <label htmlFor="reassign-from">Reassign</label>
      <select
        id="reassign-from"
        value={prefs.reassignFrom ?? -1}
        onChange={(e) => store.set({ reassignFrom: Number(e.target.value) < 0 ? null : Number(e.target.value) })}
      >
        <option value={-1}>every class</option>
        {classes.map((c) => (
          <option key={c.index} value={c.index}>
            only {c.index} {c.title}
          </option>
        ))}
      </select>
      <span className="dim">→ {title(prefs.current)}</span>
      <button className="primary" disabled={!selection} onClick={() => run('selection.reassign')} title={titleWithKey('Reassign the selection to the current class', 'selection.reassign')}>
        Reassign selection
      </button>
      <button disabled={!selection} onClick={() => run('selection.clear')} title="Clear the selection (Esc)">
        Clear
      </button>
    </div>
  );
}
