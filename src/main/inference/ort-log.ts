/**
 * ONNX Runtime's own logging (issue 13). ORT prints failed provider loads (the CUDA add-on, the shared
 * provider library) straight to stderr with its source paths; Parsel reports the same failures as
 * warnings (providers.ts) in plain words, so ORT's logger is kept to fatal errors unless the user asks
 * for it: `parsel --verbose` (or PARSEL_VERBOSE=1). Imported for its effect before any session is made:
 * ORT reads the level once per process, when the first session is created.
 */
import * as ort from 'onnxruntime-node';

/** True when ONNX Runtime's own messages (and providers known not to work) should be let through / tried. */
export function ortVerbose(): boolean {
  return process.env.PARSEL_VERBOSE === '1';
}

/** ORT's log severity: 2 (warning, ORT's default) when verbose, else 4 (fatal only). */
export function ortLogSeverity(): 2 | 4 {
  return ortVerbose() ? 2 : 4;
}

ort.env.logLevel = ortVerbose() ? 'warning' : 'fatal';
