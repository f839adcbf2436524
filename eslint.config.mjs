// Lint: code quality plus the import boundaries of docs/ARCHITECTURE.md, enforced here rather than by
// goodwill. `src/shared` is pure (no Node, DOM-only globals, Electron or native packages);
// `src/renderer` never imports main, preload, CLI or Node; `src/main` never imports the renderer, and
// inside it a lower layer never imports a higher one (scripts/eslint-main-layers.mjs).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import mainLayers from './scripts/eslint-main-layers.mjs';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const nativePackages = ['electron', 'better-sqlite3', 'sharp', 'onnxruntime-node', 'ws'];

const restrictedPaths = (nativeWhy) => [
  ...nodeBuiltins.map((name) => ({ name, message: 'no Node built-ins here (see docs/ARCHITECTURE.md)' })),
  ...nativePackages.map((name) => ({ name, message: nativeWhy })),
];
const layer = (name, why) => ({ regex: `(^|/)${name}(/|$)`, message: why });

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', '.cache/**', 'models/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['scripts/**/*.{js,mjs}', 'bin/**/*.mjs', '*.config.{ts,mjs}', 'src/main/**/*.ts', 'src/cli/**/*.ts', 'test/**/*.ts'],
    languageOptions: { globals: globals.node },
  },
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: restrictedPaths('src/shared must stay platform-free'),
          patterns: [
            { group: ['react', 'react-dom', 'konva', 'react-konva'], message: 'src/shared must stay UI-free' },
            layer('main', 'src/shared must not import src/main'),
            layer('renderer', 'src/shared must not import src/renderer'),
            layer('preload', 'src/shared must not import src/preload'),
            layer('cli', 'src/shared must not import src/cli'),
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['process', 'Buffer', 'require', '__dirname', 'window', 'document', 'navigator', 'localStorage'].map((name) => ({
          name,
          message: 'src/shared runs everywhere: no platform globals',
        })),
      ],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: restrictedPaths('the renderer talks to main only through the API client'),
          patterns: [
            layer('main', 'the renderer must not import src/main: call the API'),
            layer('preload', 'the renderer must not import the preload: use window.parsel via the API client'),
            layer('cli', 'the renderer must not import the CLI'),
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'require', message: 'no require in the renderer' }, { name: 'process', message: 'no process in the renderer' }],
    },
  },
  {
    files: ['src/main/**/*.ts', 'src/cli/**/*.ts'],
    ignores: ['src/main/sharp.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          // src/main/sharp.ts turns libvips' file cache off (stale pixels for files replaced in place).
          paths: [{ name: 'sharp', message: "import sharp from src/main/sharp.ts (its cache is off), not from 'sharp'" }],
          patterns: [layer('renderer', 'main must not import the renderer'), layer('preload', 'main must not import the preload')],
        },
      ],
    },
  },
  {
    // Inside src/main: store ← services ← domains ← the service table ← server / electron.
    files: ['src/main/**/*.ts'],
    plugins: { parsel: mainLayers },
    rules: { 'parsel/main-layers': 'error' },
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: restrictedPaths('the sandboxed preload may only use electron').filter((p) => p.name !== 'electron'),
          patterns: [
            layer('main', 'the preload must not import main'),
            layer('renderer', 'the preload must not import the renderer'),
          ],
        },
      ],
    },
  },
);
