/** How the editor's dialogs name a shortcut action and show its key combos. */
import type { LabelSchema } from '../../../../shared/api/types';
import { ACTION_TITLES } from '../../../../shared/settings';

export function titleOf(action: string, schema: LabelSchema | null): string {
  const m = /^class\.(\d+)$/.exec(action);
  if (m) {
    const c = schema?.classes.find((k) => k.index === Number(m[1]));
    return c ? `Class ${c.index} ${c.title}` : `Class ${m[1]}`;
  }
  return ACTION_TITLES[action as keyof typeof ACTION_TITLES] ?? action;
}

export function Combos({ combos }: { combos: string[] | undefined }) {
  if (!combos || combos.length === 0) return <span className="faint">—</span>;
  return (
    <>
      {combos.map((c, i) => (
        <span key={c}>
          {i > 0 && ' '}
          <kbd>{c}</kbd>
        </span>
      ))}
    </>
  );
}
