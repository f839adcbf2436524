/** The editor's top bar: back / previous / next, the image path, status, zoom, overlay view options, help, settings. */
import type { Ref } from 'react';
import type { ImageDetail } from '../../../shared/api/types';
import type { EditorPrefs, PrefsStore } from './prefs';

export function NavBar({
  detail,
  canNavigate,
  prefs,
  store,
  zoomRef,
  titleWithKey,
  run,
  onBack,
  onSetStatus,
  onSettings,
}: {
  detail: ImageDetail | null;
  /** Opened from the grid (N / B follow its filter). */
  canNavigate: boolean;
  prefs: EditorPrefs;
  store: PrefsStore;
  /** The zoom read-out, written by the editor on every view change (no re-render). */
  zoomRef: Ref<HTMLSpanElement>;
  titleWithKey(title: string, action: string): string;
  run(action: string): void;
  onBack(): void;
  onSetStatus(s: 'in_progress' | 'done'): void;
  onSettings(): void;
}) {
  const { opacity, outline, maskOff, grid } = prefs;
  return (
    <div className="viewer-tools">
      <button onClick={onBack} title="Back to the grid (Esc)">
        ← Grid
      </button>
      <button onClick={() => run('nav.previous')} title={titleWithKey('Previous image', 'nav.previous')} disabled={!canNavigate}>
        ‹
      </button>
      <button onClick={() => run('nav.next')} title={titleWithKey('Next image', 'nav.next')} disabled={!canNavigate}>
        ›
      </button>
      <span className="title" title={detail?.path}>
        {detail?.path ?? '…'}
      </span>
      <span className="spacer" />
      <div className="group" role="group" aria-label="Status">
        <button className="toggle" aria-pressed={detail?.status === 'in_progress'} onClick={() => onSetStatus('in_progress')} disabled={!detail}>
          In progress
        </button>
        <button
          className="toggle"
          aria-pressed={detail?.status === 'done'}
          onClick={() => onSetStatus('done')}
          disabled={!detail}
          title={titleWithKey('Mark done', 'status.toggleDone')}
        >
          Done
        </button>
      </div>
      <div className="group">
        <button onClick={() => run('view.fit')} title={titleWithKey('Fit the image to the window', 'view.fit')}>
          Fit
        </button>
        <button onClick={() => run('view.actual')} title={titleWithKey('Actual pixels, 100 %', 'view.actual')}>
          1:1
        </button>
        <button onClick={() => run('view.zoomOut')} title={titleWithKey('Zoom out', 'view.zoomOut')}>
          −
        </button>
        <span className="zoom" ref={zoomRef} data-testid="zoom">
          100%
        </span>
        <button onClick={() => run('view.zoomIn')} title={titleWithKey('Zoom in', 'view.zoomIn')}>
          +
        </button>
      </div>
      <div className="group">
        <label htmlFor="overlay-opacity">Opacity</label>
        <input
          id="overlay-opacity"
          type="range"
          min={0}
          max={100}
          step={1}
          value={Math.round(opacity * 100)}
          onChange={(e) => store.set({ opacity: Number(e.target.value) / 100 })}
          title="Mask overlay opacity"
        />
        <span className="mono dim" style={{ width: 34, textAlign: 'right' }}>
          {Math.round(opacity * 100)}%
        </span>
        <button className="toggle" aria-pressed={outline} onClick={() => run('view.outline')} title={titleWithKey('Outline only', 'view.outline')}>
          Outline
        </button>
        <button className="toggle" aria-pressed={maskOff} onClick={() => run('view.hideMask')} title={titleWithKey('Hide the mask', 'view.hideMask')}>
          Hide mask
        </button>
        <button className="toggle" aria-pressed={grid} onClick={() => run('view.grid')} title={titleWithKey('Pixel grid at 800 % and more', 'view.grid')}>
          Grid
        </button>
      </div>
      <div className="group">
        <button onClick={() => run('help')} title={titleWithKey('Keyboard help', 'help')}>
          ?
        </button>
        <button onClick={onSettings} title="Settings: author, autosave, brush defaults, shortcuts">
          Settings
        </button>
      </div>
    </div>
  );
}
