/**
 * The review queue's big-flag row: the project's review settings (`noise:settings`), i.e. above which
 * share of the image or of its label class accepting a flag asks for confirmation in the editor.
 * Changes are saved when a field is left (or Enter); 100 % turns a check off.
 */
import { useEffect, useState } from 'react';
import type { ReviewSettings } from '../../../../shared/noise/big-flag';
import { ErrorBox, toShownError, useClient, type ShownError } from '../common';

const FIELDS: { key: keyof ReviewSettings; label: string; title: string }[] = [
  { key: 'bigFlagImageShare', label: 'of the image', title: 'A flag covering more than this share of the image asks for confirmation (default 5 %)' },
  { key: 'bigFlagPartShare', label: 'of its class', title: 'A flag covering more than this share of its label class (e.g. a whole ear) asks for confirmation (default 60 %)' },
];

export function ReviewSettingsRow() {
  const client = useClient();
  const [settings, setSettings] = useState<ReviewSettings | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [error, setError] = useState<ShownError | null>(null);

  useEffect(() => {
    client
      .call('noise:settings', {})
      .then(setSettings)
      .catch((e: unknown) => setError(toShownError(e)));
  }, [client]);

  if (!settings) return <ErrorBox error={error} />;
  const shown = (k: keyof ReviewSettings) => draft[k] ?? String(+(settings[k] * 100).toFixed(2));
  const commit = (k: keyof ReviewSettings) => {
    const v = draft[k];
    if (v === undefined) return;
    const n = Number(v) / 100;
    if (!(n > 0 && n <= 1)) {
      setError({ code: 'INVALID_INPUT', message: `${v} %: a share must be more than 0 % and at most 100 %` });
      return;
    }
    client
      .call('noise:setSettings', { [k]: n })
      .then((s) => {
        setSettings(s);
        setDraft((d) => Object.fromEntries(Object.entries(d).filter(([key]) => key !== k)));
        setError(null);
      })
      .catch((e: unknown) => setError(toShownError(e)));
  };
  return (
    <div className="review-filter" data-testid="review-settings">
      <span className="dim">Accepting a flag asks first above</span>
      {FIELDS.map((f) => (
        <label key={f.key} title={f.title}>
          <input
            type="number"
            min={0.1}
            max={100}
            step={0.1}
            style={{ width: '5em' }}
            value={shown(f.key)}
            onChange={(e) => setDraft((d) => ({ ...d, [f.key]: e.target.value }))}
            onBlur={() => commit(f.key)}
            onKeyDown={(e) => e.key === 'Enter' && commit(f.key)}
            data-testid={`review-setting-${f.key}`}
          />{' '}
          % {f.label}
        </label>
      ))}
      <ErrorBox error={error} />
    </div>
  );
}
