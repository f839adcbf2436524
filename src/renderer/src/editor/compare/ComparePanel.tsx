/** The side panel's "Compare" section: mode (off, side by side, swipe) and the two layers A and B. */
import type { LayerId, LayerOption } from './layers';

export type CompareMode = 'off' | 'side' | 'swipe';

export function ComparePanel({
  mode,
  a,
  b,
  options,
  error,
  modeTitle,
  onMode,
  onA,
  onB,
}: {
  mode: CompareMode;
  a: LayerId;
  b: LayerId;
  options: readonly LayerOption[];
  error: string | null;
  /** Title of the mode buttons (with the key that cycles them). */
  modeTitle: string;
  onMode: (m: CompareMode) => void;
  onA: (id: LayerId) => void;
  onB: (id: LayerId) => void;
}) {
  const select = (label: string, value: LayerId, on: (id: LayerId) => void, testId: string) => (
    <label className="ed-compare-pick">
      <span>{label}</span>
      <select value={value} onChange={(e) => on(e.target.value as LayerId)} data-testid={testId} aria-label={`Compare layer ${label}`}>
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <div className="ed-compare" data-testid="compare">
      <div className="group" role="group" aria-label="Compare mode">
        {(['off', 'side', 'swipe'] as const).map((m) => (
          <button key={m} type="button" className="toggle" aria-pressed={mode === m} onClick={() => onMode(m)} title={modeTitle} data-testid={`compare-${m}`}>
            {m === 'off' ? 'Off' : m === 'side' ? 'Side by side' : 'Swipe'}
          </button>
        ))}
      </div>
      {select('A', a, onA, 'compare-a')}
      {select('B', b, onB, 'compare-b')}
      {mode !== 'off' && a !== 'mask' && <div className="faint">Editing is off while A is not the current mask.</div>}
      {error && <div className="warn-text">{error}</div>}
    </div>
  );
}
