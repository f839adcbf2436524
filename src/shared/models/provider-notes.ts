/**
 * Execution-provider warnings in plain words (issue 13). `createSession` (main/inference/providers.ts)
 * reports each provider that failed to start as `execution provider "<id>" failed to initialise:
 * <ONNX Runtime's message> — <how to get it>`, then `using execution provider "<id>" (fell back …)`.
 * The UI and the CLI show one line per failed provider ("CUDA add-on not installed — using CPU"); the
 * raw text stays available behind a details toggle (or `--verbose`).
 */

const NAMES: Record<string, string> = {
  cpu: 'CPU',
  cuda: 'CUDA',
  tensorrt: 'TensorRT',
  dml: 'DirectML',
  coreml: 'CoreML',
  webgpu: 'WebGPU',
};

export function providerName(id: string): string {
  return NAMES[id.toLowerCase()] ?? id.toUpperCase();
}

export interface ProviderNote {
  /** The provider that failed ('cuda', 'webgpu', …), or null for a warning of another shape. */
  provider: string | null;
  /** One line in plain words, ending with the provider in use. */
  plain: string;
  /** The warning as ONNX Runtime and createSession wrote it. */
  raw: string;
}

// A warning may start with the model it concerns ("<model path>: execution provider …").
const FAILED = /^(?:[\s\S]*?: )?execution provider "([^"]+)" failed to initialise: ([\s\S]*)$/;
const FELL_BACK = /^(?:[\s\S]*?: )?using execution provider "([^"]+)" \(fell back from "[^"]+"\)$/;

/** Why a provider did not start, in a few words, from ONNX Runtime's message. */
export function plainReason(provider: string, message: string): string {
  const m = message;
  switch (provider) {
    case 'cuda':
    case 'tensorrt':
      if (/libcudart|libcublas|libcudnn|libcufft|cudart64|cudnn64|cublas64/i.test(m)) return `CUDA 12 / cuDNN 9 libraries not found for ${providerName(provider)}`;
      if (/no CUDA-capable device|CUDA driver|driver version|cudaErrorNoDevice|CUDA failure 100|CUDA failure 35/i.test(m)) return 'no NVIDIA GPU or driver for CUDA';
      if (/Failed to load (shared )?library|providers_(cuda|shared|tensorrt)|cannot open shared object|LoadLibrary|not (installed|found)/i.test(m)) {
        return `${providerName(provider)} add-on not installed`;
      }
      return `${providerName(provider)} could not start`;
    case 'webgpu':
      if (/adapter|vulkan|d3d12|metal/i.test(m)) return 'no GPU adapter for WebGPU';
      return 'WebGPU could not start';
    case 'dml':
      if (/adapter|DirectX|D3D12|device/i.test(m)) return 'no DirectX 12 GPU for DirectML';
      return 'DirectML could not start';
    case 'coreml':
      return 'CoreML could not start';
    default:
      if (/not a backend of this onnxruntime-node build|not supported|unknown/i.test(m)) return `${providerName(provider)} is not part of this ONNX Runtime build`;
      return `${providerName(provider)} could not start`;
  }
}

/**
 * One note per failed provider, saying which provider is used instead; the "fell back" line is folded
 * into them. Warnings of another shape are kept as they are.
 */
export function providerNotes(warnings: readonly string[], inUse: string | null | undefined): ProviderNote[] {
  const using = inUse ? providerName(inUse) : null;
  const notes: ProviderNote[] = [];
  for (const w of warnings) {
    if (FELL_BACK.test(w)) continue;
    const f = FAILED.exec(w);
    const note: ProviderNote = f
      ? { provider: f[1], plain: `${plainReason(f[1], f[2])}${using ? ` — using ${using}` : ''}`, raw: w }
      : { provider: null, plain: w, raw: w };
    // The same failure for each model of a set is one line; its raw texts are kept together.
    const same = notes.find((n) => n.plain === note.plain);
    if (same) {
      if (!same.raw.split('\n').includes(w)) same.raw += `\n${w}`;
    } else notes.push(note);
  }
  return notes;
}
