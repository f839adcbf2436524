/**
 * The desktop packaging configuration (electron-builder.json, used by `npm run dist`), read here
 * without electron-builder or an Electron binary: every fuse, and which files go into the app.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const config = JSON.parse(readFileSync(join(root, 'electron-builder.json'), 'utf8')) as {
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  directories: { output: string };
};
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string>; devDependencies: Record<string, string> };

/** electron-builder's glob subset used here (`**`, `*`), anchored at the app folder. */
function globToRegExp(glob: string): RegExp {
  const re = glob
    .split(/(\*\*\/|\/\*\*|\*\*|\*)/)
    .map((p) => (p === '**/' ? '(?:.*/)?' : p === '/**' ? '(?:/.*)?' : p === '**' ? '.*' : p === '*' ? '[^/]*' : p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`);
}

/** Whether a file goes into the app: patterns in order, `!` excludes, the last that matches decides. */
function packaged(file: string, patterns: string[] = config.files): boolean {
  let inside = false;
  for (const p of patterns) {
    const neg = p.startsWith('!');
    if (globToRegExp(neg ? p.slice(1) : p).test(file)) inside = !neg;
  }
  return inside;
}

describe('electron-builder.json', () => {
  it('sets every fuse: no ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect; cookie encryption, ASAR integrity, app only from the ASAR', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      // The renderer is served over parsel-app:// (app-protocol.ts), so file:// needs nothing extra.
      grantFileProtocolExtraPrivileges: false,
    });
    // Integrity validation and "only from the ASAR" need an ASAR.
    expect(config.asar).toBe(true);
  });

  it('packages the built app and the demo models, and leaves out sources, tests, training and the CLI', () => {
    const main = pkg.main.replace(/^\.\//, '');
    for (const f of ['package.json', main, 'out/main/inference-worker.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'out/renderer/assets/index-abc.js']) {
      expect(packaged(f), f).toBe(true);
    }
    const demo = readdirSync(join(root, 'models', 'demo'));
    expect(demo).toContain('demo.json');
    for (const f of demo) expect(packaged(`models/demo/${f}`), f).toBe(true);
    for (const f of [
      'test/unit/packaging.test.ts',
      'test/tooling/onnx-writer.ts',
      'training/README.md',
      'training/parsel_train/train.py',
      'src/main/electron.ts',
      'scripts/test.mjs',
      'docs/ARCHITECTURE.md',
      'out/cli/parsel.mjs',
      'out/renderer/assets/index-abc.js.map',
      'models/generated/x.onnx',
      'electron-builder.json',
      '.cache/electron-native/39.2.3/better_sqlite3.node',
    ]) {
      expect(packaged(f), f).toBe(false);
    }
  });

  it('unpacks what native code opens by path: .node add-ons, sharp and ONNX Runtime libraries, the demo models', () => {
    for (const f of ['node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64.node', 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1', 'models/demo/averaged.onnx']) {
      expect(packaged(f, config.asarUnpack), f).toBe(true);
    }
  });

  it('is built by npm run dist with a pinned electron-builder, which is not a dependency', () => {
    expect(pkg.scripts.dist).toMatch(/npm run build && npx --yes electron-builder@\d+\.\d+\.\d+ --config electron-builder\.json/);
    expect(Object.keys(pkg.devDependencies)).not.toContain('electron-builder');
    expect(config.directories.output).toBe('dist');
  });

  it('the glob subset behaves like electron-builder on these shapes', () => {
    expect(globToRegExp('out/main/**').test('out/main/a/b.js')).toBe(true);
    expect(globToRegExp('out/main/**').test('out/mainx/a.js')).toBe(false);
    expect(globToRegExp('**/*.map').test('out/renderer/a.js.map')).toBe(true);
    expect(globToRegExp('**/*.node').test('x.node')).toBe(true);
  });
});
