/**
 * The editor's keyboard: the help overlay's own keys, a big flag's confirmation (Enter / Escape),
 * Space held for panning, the active tool's keys, Escape (gesture, else selection, else back to the
 * grid), then the shortcut table (actions.ts) through the user's key map.
 */
import { useEffect, type RefObject } from 'react';
import { comboOfEvent } from '../../../shared/settings';
import { findAction, runAction, type ActionContext, type EditorAction } from './actions';
import type { PrefsStore } from './prefs';
import type { NoiseReview } from './review/useNoiseReview';
import type { Tool } from './toolbox';
import type { Selection } from './tools';
import type { StageRefs } from './useStageInput';

export function useEditorKeyboard(
  refs: StageRefs,
  p: {
    keyIndex: Map<string, string>;
    actions: readonly EditorAction[];
    actx: ActionContext;
    help: boolean;
    setHelp: (b: boolean) => void;
    /** A dialog is open: the editor's keys are off. */
    modalOpen: boolean;
    review: RefObject<NoiseReview>;
    store: PrefsStore;
    toolOf: (id: string) => Tool | null;
    setSelection: (s: Selection | null) => void;
    back: () => void;
    scheduleUi: () => void;
  },
): void {
  const { keyIndex, actions, actx, help, setHelp, modalOpen, review: reviewRef, store, toolOf, setSelection, back, scheduleUi } = p;
  const { container: containerRef, spaceDown, selection: selectionRef, toolCtx: toolCtxRef } = refs;
  useEffect(() => {
    const isField = (t: EventTarget | null) =>
      t instanceof HTMLElement &&
      (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA') &&
      !(t instanceof HTMLInputElement && (t.type === 'range' || t.type === 'radio' || t.type === 'checkbox'));
    const onKey = (e: KeyboardEvent) => {
      if (isField(e.target)) return;
      if (help) {
        if (e.key === 'Escape' || e.key === '?') {
          e.preventDefault();
          setHelp(false);
        }
        return;
      }
      if (modalOpen) return;
      // A big flag waiting for confirmation: Enter (or A, below) accepts it, Esc cancels.
      if (reviewRef.current.confirming && (e.key === 'Enter' || e.key === 'Escape') && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        if (e.key === 'Enter') void reviewRef.current.accept();
        else reviewRef.current.cancelConfirm();
        return;
      }
      if (e.key === ' ') {
        e.preventDefault();
        if (!spaceDown.current) {
          spaceDown.current = true;
          containerRef.current?.classList.add('can-pan');
          scheduleUi();
        }
        return;
      }
      // The active tool's own keys first (polygon: Enter closes, Backspace drops a vertex).
      const ctx = toolCtxRef.current;
      const tool = toolOf(store.get().tool);
      if (ctx && tool?.onKeyDown?.(e, ctx)) {
        e.preventDefault();
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        // A gesture in progress, else the selection, else back to the grid.
        if (ctx && tool?.cancel?.(ctx)) {
          // dropped
        } else if (selectionRef.current) setSelection(null);
        else back();
        scheduleUi();
        return;
      }
      const combo = comboOfEvent(e);
      if (!combo) return;
      const id = keyIndex.get(combo);
      const action = id ? findAction(id, actions) : undefined;
      if (!action) return;
      e.preventDefault();
      runAction(action, actx, e.repeat);
    };
    const onKeyUp = (e: KeyboardEvent) => {
      if (e.key === ' ') {
        spaceDown.current = false;
        containerRef.current?.classList.remove('can-pan');
        scheduleUi();
      }
    };
    const onBlur = () => {
      spaceDown.current = false;
      containerRef.current?.classList.remove('can-pan');
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKeyUp);
    window.addEventListener('blur', onBlur);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKeyUp);
      window.removeEventListener('blur', onBlur);
    };
  }, [keyIndex, actions, actx, help, setHelp, modalOpen, back, scheduleUi, setSelection, store, toolOf, reviewRef, containerRef, spaceDown, selectionRef, toolCtxRef]);
}
