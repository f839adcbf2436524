import { describe, expect, it } from 'vitest';
import { providerNotes } from './provider-notes';

// The warnings createSession wrote on a CPU-only Linux machine (onnxruntime-node 1.2x, no CUDA add-on, no Vulkan).
const CPU_ONLY = [
  'execution provider "cuda" failed to initialise: OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library — the CUDA provider is an add-on: on Linux x64 fetch it with `npm run get-cuda` (needs network access to NuGet, an NVIDIA driver, CUDA 12 and cuDNN 9)',
  'execution provider "webgpu" failed to initialise: /onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters — WebGPU needs a GPU adapter (Vulkan on Linux: install the vendor Vulkan driver and libvulkan1)',
  'using execution provider "cpu" (fell back from "cuda")',
];

describe('providerNotes', () => {
  it('one plain line per failed provider, ending with the provider in use; raw text kept', () => {
    const notes = providerNotes(CPU_ONLY, 'cpu');
    expect(notes.map((n) => n.plain)).toEqual(['CUDA add-on not installed — using CPU', 'no GPU adapter for WebGPU — using CPU']);
    expect(notes.map((n) => n.provider)).toEqual(['cuda', 'webgpu']);
    expect(notes[1].raw).toBe(CPU_ONLY[1]);
    for (const n of notes) expect(n.plain).not.toMatch(/onnxruntime_src|\.cc:|npm run/);
  });

  it('tells missing CUDA libraries and drivers apart from a missing add-on; falls back to WebGPU by name', () => {
    const n = providerNotes(
      [
        'execution provider "cuda" failed to initialise: Failed to load library libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file — hint',
        'execution provider "dml" failed to initialise: no DirectX 12 adapter — hint',
        'execution provider "rocm" failed to initialise: "rocm" is not a backend of this onnxruntime-node build',
        'using execution provider "webgpu" (fell back from "cuda")',
      ],
      'webgpu',
    );
    expect(n.map((x) => x.plain)).toEqual([
      'CUDA 12 / cuDNN 9 libraries not found for CUDA — using WebGPU',
      'no DirectX 12 GPU for DirectML — using WebGPU',
      'ROCM is not part of this ONNX Runtime build — using WebGPU',
    ]);
    expect(providerNotes(['execution provider "cuda" failed to initialise: CUDA failure 100: no CUDA-capable device is detected'], 'cpu')[0].plain).toBe(
      'no NVIDIA GPU or driver for CUDA — using CPU',
    );
  });

  it('reads warnings that name their model, and gives one line per provider for a set of models', () => {
    const w = CPU_ONLY.flatMap((x) => ['/m/a.onnx: ' + x, '/m/b.onnx: ' + x]);
    const notes = providerNotes(w, 'cpu');
    expect(notes.map((n) => n.plain)).toEqual(['CUDA add-on not installed — using CPU', 'no GPU adapter for WebGPU — using CPU']);
    expect(notes[0].raw.split('\n')).toEqual([w[0], w[1]]);
  });

  it('keeps warnings of another shape as they are, and says nothing when all went well', () => {
    expect(providerNotes(['something else'], 'cpu')).toEqual([{ provider: null, plain: 'something else', raw: 'something else' }]);
    expect(providerNotes([], 'cuda')).toEqual([]);
  });
});
