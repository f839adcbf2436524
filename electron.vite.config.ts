import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// Native / large runtime modules stay external in the main bundle and load from node_modules.
const nativeExternals = ['better-sqlite3', 'onnxruntime-node', 'sharp', 'ws', 'electron'];

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/electron.ts'),
          // Inference runs in worker threads started from files beside the main bundle (see
          // src/main/inference/spawn.ts): decode/pre/post-processing, and the ONNX sessions.
          'inference-worker': resolve(__dirname, 'src/main/inference/worker.ts'),
          'inference-session-worker': resolve(__dirname, 'src/main/inference/session-worker.ts'),
          // Promptable (SAM-family) models: encoder and decoder sessions of the editor's click tool.
          'inference-prompt-worker': resolve(__dirname, 'src/main/inference/prompt-worker.ts'),
          // Pre-labelling jobs commit each image from a writer thread (same lookup, spawn.ts).
          'inference-prelabel-writer': resolve(__dirname, 'src/main/services/prelabel-writer.ts'),
          // The sample project's images are made in generator threads (same lookup).
          'inference-sample-worker': resolve(__dirname, 'src/main/services/sample-worker.ts'),
          // Exports encode PNGs in threads of their own (same lookup; src/main/formats/png-pool.ts).
          'inference-png-worker': resolve(__dirname, 'src/main/formats/png-worker.ts'),
          // Imports build masks in threads of their own (same lookup; src/main/services/mask-pool.ts).
          'inference-mask-worker': resolve(__dirname, 'src/main/services/mask-worker.ts'),
        },
        external: nativeExternals,
      },
    },
  },
  preload: {
    // sandbox: true means the preload may only require('electron'): bundle everything else, emit CJS.
    build: {
      outDir: 'out/preload',
      // electron-vite externalises dependencies by default; a sandboxed preload cannot require them.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
        external: ['electron'],
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: [react()],
    build: {
      minify: true,
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
  },
});
