/** The tools row: one button per registered tool, the current class, the active tool's options, undo / redo. */
import type { LabelClass } from '../../../shared/api/types';
import { rgbCss } from '../views/common';
import type { EditorPrefs, PrefsStore } from './prefs';
import { SelectionOptions } from './toolbox/options';
import type { ToolDefinition, ToolOptionsProps } from './toolbox';
import type { Selection } from './tools';

export interface ToolbarProps {
  tools: readonly ToolDefinition[];
  active: ToolDefinition;
  prefs: EditorPrefs;
  store: PrefsStore;
  classes: readonly LabelClass[];
  brush: { size: number; shape: 'round' | 'square' };
  selection: Selection | null;
  canUndo: boolean;
  canRedo: boolean;
  titleWithKey(title: string, action: string): string;
  keyOf(action: string): string | undefined;
  run(action: string): void;
}

export function Toolbar(props: ToolbarProps) {
  const { tools, active, prefs, classes, selection, canUndo, canRedo, titleWithKey, run } = props;
  const cur = classes.find((c) => c.index === prefs.current);
  const optionProps: ToolOptionsProps = props;
  const Options = active.Options;
  return (
    <div className="ed-toolbar" role="toolbar" aria-label="Tools">
      <div className="group">
        {tools.map((t) => (
          <button
            key={t.id}
            className="toggle"
            aria-pressed={active.id === t.id}
            onClick={() => (t.action ? run(t.action) : props.store.set({ tool: t.id }))}
            title={t.action ? titleWithKey(t.title, t.action) : t.title}
            data-tool={t.id}
          >
            {t.title}
          </button>
        ))}
      </div>
      <div className="group current-class" title="Current class (digits and letters, see ?)">
        <span className="swatch" style={{ background: cur ? rgbCss(cur.color) : 'transparent' }} />
        <span data-testid="current-class">
          {prefs.current} {cur?.title ?? ''}
        </span>
      </div>
      {Options && <Options {...optionProps} />}
      {selection && !active.selects && <SelectionOptions {...optionProps} />}
      <span className="spacer" />
      <div className="group">
        <button onClick={() => run('edit.undo')} disabled={!canUndo} title={titleWithKey('Undo', 'edit.undo')}>
          Undo
        </button>
        <button onClick={() => run('edit.redo')} disabled={!canRedo} title={titleWithKey('Redo', 'edit.redo')}>
          Redo
        </button>
      </div>
    </div>
  );
}
