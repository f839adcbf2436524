/** The keyboard help overlay (`?`): the action table by group with the user's keys, classes, mouse. */
import type { LabelSchema } from '../../../../shared/api/types';
import type { ShortcutMap } from '../../../../shared/settings';
import type { ActionGroup, EditorAction } from '../actions';
import { Combos } from './shortcutText';

export function HelpOverlay({
  shortcuts,
  schema,
  actions,
  onClose,
}: {
  shortcuts: ShortcutMap;
  schema: LabelSchema | null;
  /** The editor's action table (actions.ts): listed by group, in table order. */
  actions: readonly EditorAction[];
  onClose: () => void;
}) {
  const classes = schema?.classes ?? [];
  const groups: { title: ActionGroup; actions: EditorAction[] }[] = [];
  for (const a of actions) {
    if (!a.group) continue;
    let g = groups.find((x) => x.title === a.group);
    if (!g) groups.push((g = { title: a.group, actions: [] }));
    g.actions.push(a);
  }
  return (
    <div className="ed-modal-back" onClick={onClose}>
      <div className="ed-modal ed-help" role="dialog" aria-label="Keyboard help" data-testid="help" onClick={(e) => e.stopPropagation()}>
        <div className="ed-modal-head">
          <h2>Keyboard</h2>
          <button onClick={onClose}>Close (Esc)</button>
        </div>
        <div className="ed-help-cols">
          {groups.map((g) => (
            <section key={g.title}>
              <h3>{g.title}</h3>
              <table>
                <tbody>
                  {g.actions.map((a) => (
                    <tr key={a.id}>
                      <td>{a.title}</td>
                      <td>
                        <Combos combos={shortcuts[a.id]} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ))}
          <section>
            <h3>Classes</h3>
            <table>
              <tbody>
                {classes.map((c) => (
                  <tr key={c.index}>
                    <td>
                      {c.index} {c.title}
                    </td>
                    <td>
                      <Combos combos={shortcuts[`class.${c.index}`]} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section>
            <h3>Mouse</h3>
            <table className="mouse">
              <tbody>
                <tr>
                  <td>Zoom around the cursor (×1.2 a notch)</td>
                  <td>wheel, trackpad pinch</td>
                </tr>
                <tr>
                  <td>Pan</td>
                  <td>
                    <kbd>Space</kbd>+drag, middle drag
                  </td>
                </tr>
                <tr>
                  <td>Pick class (brush, eraser)</td>
                  <td>
                    <kbd>Alt</kbd>+click
                  </td>
                </tr>
                <tr>
                  <td>Polygon: close / drop vertex / cancel</td>
                  <td>
                    click 1st vertex, double-click, <kbd>Enter</kbd> / <kbd>Backspace</kbd> / <kbd>Escape</kbd>
                  </td>
                </tr>
                <tr>
                  <td>Clear selection, else back to grid</td>
                  <td>
                    <kbd>Escape</kbd>
                  </td>
                </tr>
              </tbody>
            </table>
          </section>
        </div>
      </div>
    </div>
  );
}
