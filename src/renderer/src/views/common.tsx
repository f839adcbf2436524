/** Small pieces shared by the screens: the client context, error display, colour helpers. */
import { createContext, useContext } from 'react';
import type { RendererClient } from '../api/client';
import type { CSSProperties } from 'react';
import type { ImageStatus, JobProgress, LabelSchema, Rgb } from '../../../shared/api/types';

export const ClientContext = createContext<RendererClient | null>(null);

export function useClient(): RendererClient {
  const c = useContext(ClientContext);
  if (!c) throw new Error('ClientContext missing');
  return c;
}

export interface ShownError {
  code: string | null;
  message: string;
}

/** Errors cross the API as `{ code, message }` (ParselError); anything else shows its message. */
export function toShownError(err: unknown): ShownError {
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; message?: unknown };
    const message = typeof e.message === 'string' ? e.message : String(err);
    return { code: typeof e.code === 'string' ? e.code : null, message };
  }
  return { code: null, message: String(err) };
}

export function ErrorBox({ error }: { error: ShownError | null }) {
  if (!error) return null;
  return (
    <div className="error" role="alert" data-code={error.code ?? undefined}>
      {error.code && <span className="code">{error.code}</span>}
      {error.message}
    </div>
  );
}

export function rgbCss(c: Rgb): string {
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

export const STATUS_LABEL: Record<ImageStatus, string> = {
  unlabeled: 'Unlabeled',
  prelabeled: 'Prelabeled',
  in_progress: 'In progress',
  done: 'Done',
  reviewed: 'Reviewed',
};

export function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

/** A class of the schema as people see it: its colour swatch and title (the canonical name and index on hover, or shown). */
export function ClassLabel({ schema, index, showIndex = false }: { schema: LabelSchema | null; index: number; showIndex?: boolean }) {
  const c = schema?.classes.find((x) => x.index === index);
  return (
    <span className="class-label" title={c ? `${c.name} (${c.index})` : undefined}>
      {c && <span className="swatch" style={{ background: rgbCss(c.color) }} />}
      {c?.title ?? index}
      {showIndex && <span className="faint mono">{index}</span>}
    </span>
  );
}


/** A job's progress (phase, bar, done / total) as the import, export and sample-project dialogs show it. */
export function JobProgressBar({ progress, className = 'progress', label, style }: { progress: JobProgress | null; className?: string; label?: string; style?: CSSProperties }) {
  const pct = progress && progress.total > 0 ? Math.min(100, (100 * progress.done) / progress.total) : 0;
  return (
    <div className={className} role="progressbar" aria-label={label} aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100} style={style}>
      <span>{progress?.phase ?? 'starting'}</span>
      <div className="bar">
        <div style={{ width: `${pct}%` }} />
      </div>
      <span className="mono">{progress ? `${fmtInt(progress.done)} / ${fmtInt(progress.total)}` : '…'}</span>
    </div>
  );
}
