/**
 * The app's user settings in the renderer: loaded once per client, shared by every editor instance,
 * updated through `settings:set` (which validates and reports shortcut conflicts).
 */
import { useEffect, useState } from 'react';
import type { RendererClient } from '../api/client';
import { DEFAULT_SETTINGS, type Settings } from '../../../shared/settings';

let current: Settings | null = null;
let loading: Promise<Settings> | null = null;
const listeners = new Set<(s: Settings) => void>();

export function loadSettings(client: RendererClient): Promise<Settings> {
  if (current) return Promise.resolve(current);
  loading ??= client
    .call('settings:get', {})
    .catch(() => DEFAULT_SETTINGS)
    .then((s) => {
      current = s;
      for (const l of listeners) l(s);
      return s;
    });
  return loading;
}

export async function saveSettings(client: RendererClient, patch: Partial<Settings>): Promise<Settings> {
  const s = await client.call('settings:set', patch);
  current = s;
  for (const l of listeners) l(s);
  return s;
}

/** The settings (defaults until loaded). */
export function useSettings(client: RendererClient): Settings {
  const [s, setS] = useState<Settings>(current ?? DEFAULT_SETTINGS);
  useEffect(() => {
    listeners.add(setS);
    void loadSettings(client).then(setS);
    return () => {
      listeners.delete(setS);
    };
  }, [client]);
  return s;
}
