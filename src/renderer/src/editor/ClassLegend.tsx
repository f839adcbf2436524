/**
 * The class list beside the stage: click a class to paint with it; show / hide (Alt+click: only this
 * class), per-class alpha and protect lock; "paint only over" lock. The class under the cursor is
 * marked `hot` by the editor directly on `legendRef` (no re-render per pointer move).
 */
import type { Ref } from 'react';
import type { LabelClass } from '../../../shared/api/types';
import { rgbCss } from '../views/common';
import type { EditorPrefs, PrefsStore } from './prefs';

export function ClassLegend({
  classes,
  schemaId,
  prefs,
  store,
  legendRef,
  keyOf,
}: {
  classes: readonly LabelClass[];
  schemaId: string | null;
  prefs: EditorPrefs;
  store: PrefsStore;
  legendRef: Ref<HTMLUListElement>;
  keyOf(action: string): string | undefined;
}) {
  const hidden = store.hiddenOf(schemaId ?? undefined);
  const alpha = store.alphaOf(schemaId ?? undefined);
  const { current, protect, onlyOver } = prefs;
  const setHidden = (s: ReadonlySet<number>) => schemaId && store.setHidden(schemaId, s);
  const classTitle = (i: number | null) => (i === null ? '—' : (classes.find((c) => c.index === i)?.title ?? String(i)));

  const toggleVisible = (index: number, solo: boolean) => {
    if (solo) {
      const onlyThis = classes.length - hidden.size === 1 && !hidden.has(index);
      setHidden(onlyThis ? new Set() : new Set(classes.filter((c) => c.index !== index).map((c) => c.index)));
      return;
    }
    const next = new Set(hidden);
    if (next.has(index)) next.delete(index);
    else next.add(index);
    setHidden(next);
  };

  return (
    <>
      <h3>
        <span>Classes</span>
        <button
          className="link"
          style={{ fontSize: 11, textTransform: 'none', letterSpacing: 0 }}
          onClick={() => setHidden(hidden.size ? new Set() : new Set(classes.map((c) => c.index)))}
          title="Show or hide every class"
        >
          {hidden.size ? 'show all' : 'hide all'}
        </button>
      </h3>
      <ul className="legend ed-legend" ref={legendRef} aria-label="Classes">
        {classes.map((c) => {
          const on = !hidden.has(c.index);
          const prot = protect.has(c.index);
          const a = alpha.get(c.index) ?? 1;
          const key = keyOf(`class.${c.index}`);
          return (
            <li
              key={c.index}
              data-index={c.index}
              className={`${on ? '' : 'off'} ${current === c.index ? 'current' : ''}`}
              title={`${c.name} — click to paint with it${key ? ` (${key})` : ''}`}
              onClick={() => store.set({ current: c.index })}
            >
              <input
                type="checkbox"
                checked={on}
                onChange={() => undefined}
                onClick={(e) => {
                  e.stopPropagation();
                  toggleVisible(c.index, e.altKey);
                }}
                tabIndex={-1}
                aria-label={`Show ${c.title}`}
                title="Show / hide (Alt+click: only this class)"
              />
              <span className="swatch" style={{ background: rgbCss(c.color) }} />
              <span className="idx">{c.index}</span>
              <span className="name">{c.title}</span>
              <kbd className="key">{key ?? ''}</kbd>
              <input
                className="alpha"
                type="range"
                min={0}
                max={100}
                value={Math.round(a * 100)}
                onClick={(e) => e.stopPropagation()}
                onChange={(e) => {
                  if (!schemaId) return;
                  const m = new Map(alpha);
                  m.set(c.index, Number(e.target.value) / 100);
                  store.setAlpha(schemaId, m);
                }}
                aria-label={`Alpha of ${c.title}`}
                title={`Opacity of ${c.title}: ${Math.round(a * 100)} %`}
                tabIndex={-1}
              />
              <button
                className={`lock ${prot ? 'on' : ''}`}
                aria-pressed={prot}
                aria-label={`Protect ${c.title}`}
                title={prot ? `${c.title} is protected: no tool writes over it` : `Protect ${c.title} from every tool`}
                onClick={(e) => {
                  e.stopPropagation();
                  const s = new Set(protect);
                  if (prot) s.delete(c.index);
                  else s.add(c.index);
                  store.set({ protect: s });
                }}
              >
                <LockIcon closed={prot} />
              </button>
            </li>
          );
        })}
      </ul>
      <div className="ed-locks">
        <label htmlFor="only-over">Paint only over</label>
        <select id="only-over" value={onlyOver ?? -1} onChange={(e) => store.set({ onlyOver: Number(e.target.value) < 0 ? null : Number(e.target.value) })}>
          <option value={-1}>any class</option>
          {classes.map((c) => (
            <option key={c.index} value={c.index}>
              {c.index} {c.title}
            </option>
          ))}
        </select>
        {(onlyOver !== null || protect.size > 0) && (
          <div className="warn-text" data-testid="locks-on">
            Locks on{onlyOver !== null ? ` · only over ${classTitle(onlyOver)}` : ''}
            {protect.size > 0 ? ` · protecting ${[...protect].map(classTitle).join(', ')}` : ''}
          </div>
        )}
      </div>
    </>
  );
}

function LockIcon({ closed }: { closed: boolean }) {
  return (
    <svg width="10" height="12" viewBox="0 0 10 12" aria-hidden="true">
      <path d={closed ? 'M2.5 5.5V3.5a2.5 2.5 0 0 1 5 0v2' : 'M2.5 5.5V3.5a2.5 2.5 0 0 1 5 0'} fill="none" stroke="currentColor" strokeWidth="1.3" />
      <rect x="1" y="5.5" width="8" height="6" rx="1" fill="currentColor" />
    </svg>
  );
}
