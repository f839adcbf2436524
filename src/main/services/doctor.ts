/**
 * The environment check behind `env:doctor` (`parsel doctor`, the Home screen's Environment panel):
 * one line per piece Parsel needs, with its status, the reason when it is not ok and the command that
 * fixes it. Every fact comes from an `EnvProbes` object (doctor-probes.ts reads the real machine; tests
 * pass a simulated one), so this file only decides.
 */
import { join } from 'node:path';
import { platformProviders } from '../inference/providers';
import { ENV_NEEDS, type EnvCheck, type EnvNeed, type EnvReport } from '../../shared/api/methods-env';

export type Outcome<T> = ({ ok: true } & T) | { ok: false; error: string };

export interface EnvRuntime {
  platform: string;
  arch: string;
  /** process.version, e.g. 'v20.20.2'. */
  node: string;
  /** process.versions.modules (NODE_MODULE_VERSION of this process). */
  modules: string;
  /** process.versions.electron, or null outside Electron. */
  electron: string | null;
  execPath: string;
}

/** What the checks read of the machine. */
export interface EnvProbes {
  /** The app's folder: package.json, node_modules, .cache, models. */
  root: string;
  runtime: EnvRuntime;
  env(name: string): string | undefined;
  exists(path: string): boolean;
  /** A file's text, or null when it cannot be read. */
  readText(path: string): string | null;
  /** `require('electron')` resolved from the app's folder (in Node it gives the binary's path). */
  electronBinary(): Outcome<{ path: string }>;
  /** Opens an in-memory database with better-sqlite3 (its own build, or the binary given). */
  sqlite(nativeBinding?: string): Outcome<{ version: string }>;
  sharp(): Outcome<{ sharp: string; vips: string }>;
  onnxruntime(): Outcome<{ version: string; backends: { name: string; bundled: boolean }[] }>;
  /** Starts an ONNX Runtime session on a tiny model with this provider alone. */
  startProvider(provider: string): Promise<Outcome<object>>;
  /** `<executable> --version`, first line. */
  commandVersion(path: string): Outcome<{ version: string }>;
}

/** The commands printed as fixes (run in the app's folder). */
export const FIX = {
  install: 'npm install',
  node: 'nvm install --lts',
  electronBinary: 'npm run get-electron',
  /** The Electron build of better-sqlite3 is made on the first desktop start (scripts/electron-native.mjs). */
  electronSqlite: 'npm start',
  electronSqliteRebuild: 'node scripts/electron-native.mjs --force',
  sqliteNode: 'npm rebuild better-sqlite3',
  sharp: 'npm install --include=optional sharp',
  onnxruntime: 'npm rebuild onnxruntime-node',
  cuda: 'npm run get-cuda',
  demoModels: 'git checkout -- models/demo',
} as const;

/** Where the tests look for Chromium (test/e2e/helpers.ts). */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The CUDA provider library of onnxruntime-node's add-on, by platform (Linux and Windows x64 only). */
export function cudaAddonFile(platform: string): string | null {
  if (platform === 'linux') return 'libonnxruntime_providers_cuda.so';
  if (platform === 'win32') return 'onnxruntime_providers_cuda.dll';
  return null;
}

/** Path of the Electron build of better-sqlite3, as scripts/electron-native.mjs writes it. */
export function electronSqlitePath(root: string, electronVersion: string): string {
  return join(root, '.cache', 'electron-native', electronVersion, 'better_sqlite3.node');
}

function firstLine(s: string, max = 300): string {
  const line = s.split('\n').find((l) => l.trim()) ?? s;
  return line.trim().slice(0, max);
}

/** ONNX Runtime's message without the source location and failed assertion it starts with. */
export function ortMessage(s: string): string {
  return firstLine(s, 600).replace(/^\/\S+:\d+ .*? was false\. /, '');
}

function parseVersion(v: string): number[] | null {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : null;
}

function cmp(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * Whether `version` satisfies an npm `engines` range made of comparators (`>=20.19`, `>=20 <23`, `a || b`).
 * null when the range uses other syntax (then it is shown, not judged).
 */
export function satisfiesRange(version: string, range: string): boolean | null {
  const v = parseVersion(version);
  if (!v) return null;
  let any = false;
  for (const alt of range.split('||')) {
    const parts = alt.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) return null;
    let all = true;
    for (const p of parts) {
      const m = /^(>=|<=|>|<|=)?\s*(v?\d+(?:\.\d+){0,2})$/.exec(p);
      if (!m) return null;
      const c = cmp(v, parseVersion(m[2])!);
      const op = m[1] ?? '=';
      const ok = op === '>=' ? c >= 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : op === '<' ? c < 0 : c === 0;
      if (!ok) all = false;
    }
    if (all) any = true;
  }
  return any;
}

function check(
  id: string,
  title: string,
  needs: EnvNeed[],
  r: { ok: true; detail: string } | { ok: false; status: 'missing' | 'unavailable'; detail?: string; reason: string; fix: string | null },
): EnvCheck {
  return r.ok
    ? { id, title, status: 'ok', detail: r.detail, reason: null, fix: null, needs }
    : { id, title, status: r.status, detail: r.detail ?? '', reason: r.reason, fix: r.fix, needs };
}

function packageJson(p: EnvProbes, name: string): Record<string, unknown> | null {
  const text = p.readText(join(p.root, 'node_modules', ...name.split('/'), 'package.json'));
  if (text === null) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function packageVersion(p: EnvProbes, name: string): string | null {
  const v = packageJson(p, name)?.version;
  return typeof v === 'string' ? v : null;
}

function nodeCheck(p: EnvProbes): EnvCheck {
  const rt = p.runtime;
  const needs: EnvNeed[] = ['browser', 'tests'];
  if (rt.electron) {
    return check('node', 'Node', needs, {
      ok: true,
      detail: `${rt.node} (Electron's own; NODE_MODULE_VERSION ${rt.modules}; \`npm run parsel -- doctor\` checks the Node that runs npm)`,
    });
  }
  let range: string | null = null;
  try {
    const pkg = JSON.parse(p.readText(join(p.root, 'package.json')) ?? '{}') as { engines?: { node?: unknown } };
    range = typeof pkg.engines?.node === 'string' ? pkg.engines.node : null;
  } catch {
    range = null;
  }
  const abi = `NODE_MODULE_VERSION ${rt.modules}`;
  if (range === null) return check('node', 'Node', needs, { ok: true, detail: `${rt.node} (${abi}; package.json names no engines range)` });
  const sat = satisfiesRange(rt.node, range);
  if (sat === false) {
    return check('node', 'Node', needs, {
      ok: false,
      status: 'unavailable',
      detail: `${rt.node} (${abi})`,
      reason: `Node ${rt.node} does not meet package.json engines "${range}"`,
      fix: FIX.node,
    });
  }
  return check('node', 'Node', needs, {
    ok: true,
    detail: `${rt.node} (${abi}; engines "${range}"${sat === null ? ': range not checked' : ': met'})`,
  });
}

function electronChecks(p: EnvProbes, nativeBinding: string | undefined): [EnvCheck, EnvCheck, EnvCheck] {
  const rt = p.runtime;
  const desktop: EnvNeed[] = ['desktop'];
  const version = rt.electron ?? packageVersion(p, 'electron');
  const abiText = p.readText(join(p.root, 'node_modules', 'electron', 'abi_version'));
  const abi = rt.electron ? rt.modules : abiText?.trim() || null;
  const out: EnvCheck[] = [];

  if (!version) {
    const reason = 'the electron package is not installed (a production-only or partial install)';
    out.push(check('electron', 'Electron', desktop, { ok: false, status: 'missing', reason, fix: FIX.install }));
    out.push(check('electron-binary', 'Electron binary', desktop, { ok: false, status: 'missing', reason, fix: FIX.install }));
    out.push(
      check('sqlite-electron', 'better-sqlite3 for Electron', desktop, {
        ok: false,
        status: 'missing',
        reason: 'it is built for the installed Electron, and the electron package is not installed',
        fix: `${FIX.install} && ${FIX.electronSqlite}`,
      }),
    );
    return out as [EnvCheck, EnvCheck, EnvCheck];
  }

  out.push(check('electron', 'Electron', desktop, { ok: true, detail: `${version}${abi ? ` (NODE_MODULE_VERSION ${abi})` : ''}` }));

  let binaryOk: boolean;
  if (rt.electron) {
    binaryOk = true;
    out.push(check('electron-binary', 'Electron binary', desktop, { ok: true, detail: `${rt.execPath} (running)` }));
  } else {
    const b = p.electronBinary();
    binaryOk = b.ok && p.exists(b.path);
    if (b.ok && binaryOk) out.push(check('electron-binary', 'Electron binary', desktop, { ok: true, detail: b.path }));
    else {
      out.push(
        check('electron-binary', 'Electron binary', desktop, {
          ok: false,
          status: 'missing',
          detail: b.ok ? b.path : '',
          reason: b.ok
            ? `require('electron') names ${b.path}, which does not exist`
            : `Electron ${version}'s binary was not downloaded (an offline install, or ELECTRON_SKIP_BINARY_DOWNLOAD=1)` +
              // electron's own message for this case advises deleting node_modules/electron: not shown.
              (/failed to install correctly/i.test(b.error) ? '' : `: ${firstLine(b.error, 200)}`),
          fix: FIX.electronBinary,
        }),
      );
    }
  }

  const path = rt.electron ? (nativeBinding ?? electronSqlitePath(p.root, version)) : electronSqlitePath(p.root, version);
  const forAbi = `for Electron ${version}${abi ? ` (NODE_MODULE_VERSION ${abi})` : ''}`;
  const firstStart = binaryOk ? FIX.electronSqlite : `${FIX.electronBinary} && ${FIX.electronSqlite}`;
  if (!p.exists(path)) {
    out.push(
      check('sqlite-electron', 'better-sqlite3 for Electron', desktop, {
        ok: false,
        status: 'missing',
        detail: path,
        reason: `not built yet ${forAbi}: the first desktop start builds it (scripts/electron-native.mjs)`,
        fix: firstStart,
      }),
    );
  } else if (rt.electron) {
    const s = p.sqlite(path);
    out.push(
      s.ok
        ? check('sqlite-electron', 'better-sqlite3 for Electron', desktop, { ok: true, detail: `SQLite ${s.version}, loaded ${forAbi} from ${path}` })
        : check('sqlite-electron', 'better-sqlite3 for Electron', desktop, {
            ok: false,
            status: 'unavailable',
            detail: path,
            reason: `the build does not load: ${firstLine(s.error)}`,
            fix: FIX.electronSqliteRebuild,
          }),
    );
  } else {
    out.push(check('sqlite-electron', 'better-sqlite3 for Electron', desktop, { ok: true, detail: `built ${forAbi}: ${path}` }));
  }
  return out as [EnvCheck, EnvCheck, EnvCheck];
}

function sqliteNodeCheck(p: EnvProbes): EnvCheck {
  const needs: EnvNeed[] = ['browser', 'tests'];
  const title = 'better-sqlite3 for Node';
  const version = packageVersion(p, 'better-sqlite3');
  if (!version) return check('sqlite-node', title, needs, { ok: false, status: 'missing', reason: 'the better-sqlite3 package is not installed', fix: FIX.install });
  if (p.runtime.electron) {
    // Electron cannot load the Node build (another ABI); its file is what the CLI and tests load.
    const file = join(p.root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    return p.exists(file)
      ? check('sqlite-node', title, needs, { ok: true, detail: `${version}: ${file} (not loaded here: this process is Electron)` })
      : check('sqlite-node', title, needs, { ok: false, status: 'missing', detail: version, reason: `${file} is not there`, fix: FIX.sqliteNode });
  }
  const s = p.sqlite();
  return s.ok
    ? check('sqlite-node', title, needs, { ok: true, detail: `${version}, SQLite ${s.version}, loads for NODE_MODULE_VERSION ${p.runtime.modules} (Node ${p.runtime.node})` })
    : check('sqlite-node', title, needs, {
        ok: false,
        status: 'missing',
        detail: version,
        reason: `no build that loads in Node ${p.runtime.node} (NODE_MODULE_VERSION ${p.runtime.modules}): ${firstLine(s.error)}`,
        fix: FIX.sqliteNode,
      });
}

function sharpCheck(p: EnvProbes): EnvCheck {
  const needs: EnvNeed[] = ['browser', 'tests'];
  if (!packageVersion(p, 'sharp')) return check('sharp', 'sharp / libvips', needs, { ok: false, status: 'missing', reason: 'the sharp package is not installed', fix: FIX.install });
  const s = p.sharp();
  return s.ok
    ? check('sharp', 'sharp / libvips', needs, { ok: true, detail: `sharp ${s.sharp}, libvips ${s.vips}` })
    : check('sharp', 'sharp / libvips', needs, { ok: false, status: 'missing', reason: `sharp does not load: ${firstLine(s.error)}`, fix: FIX.sharp });
}

const PROVIDER_TITLES: Record<string, string> = { cpu: 'CPU', cuda: 'CUDA', webgpu: 'WebGPU', dml: 'DirectML', coreml: 'CoreML' };

async function onnxChecks(p: EnvProbes): Promise<EnvCheck[]> {
  const { platform, arch } = p.runtime;
  const base: EnvNeed[] = ['browser', 'tests'];
  const gpu: EnvNeed[] = ['gpu'];
  const title = (prov: string) => `ONNX Runtime: ${PROVIDER_TITLES[prov] ?? prov}`;
  // The providers Parsel tries on this platform, then CPU.
  const wanted = platformProviders(platform);

  const ortPkg = packageVersion(p, 'onnxruntime-node');
  const ort = ortPkg ? p.onnxruntime() : null;
  if (!ort || !ort.ok) {
    const reason = !ortPkg ? 'the onnxruntime-node package is not installed' : `onnxruntime-node does not load: ${firstLine(ort!.ok ? '' : ort!.error)}`;
    const fix = !ortPkg ? FIX.install : FIX.onnxruntime;
    return [
      check('onnxruntime', 'ONNX Runtime', base, { ok: false, status: 'missing', detail: ortPkg ?? '', reason, fix }),
      ...['cpu', ...wanted].map((prov) =>
        check(`ep-${prov}`, title(prov), prov === 'cpu' ? base : gpu, { ok: false, status: 'unavailable', reason: 'ONNX Runtime does not load', fix }),
      ),
    ];
  }

  const backends = new Map(ort.backends.map((b) => [b.name, b]));
  const out: EnvCheck[] = [
    check('onnxruntime', 'ONNX Runtime', base, {
      ok: true,
      detail: `${ort.version} (backends of this build: ${ort.backends.map((b) => (b.bundled ? b.name : `${b.name} (add-on)`)).join(', ')})`,
    }),
  ];

  const start = async (prov: string, needs: EnvNeed[], okDetail: string, fix: string | null = null): Promise<EnvCheck> => {
    const r = await p.startProvider(prov);
    return r.ok
      ? check(`ep-${prov}`, title(prov), needs, { ok: true, detail: okDetail })
      : check(`ep-${prov}`, title(prov), needs, { ok: false, status: 'unavailable', reason: `a session does not start: ${ortMessage(r.error)}`, fix });
  };

  out.push(await start('cpu', base, 'a session starts'));

  for (const prov of wanted) {
    if (prov === 'cuda') {
      const file = cudaAddonFile(platform);
      if (!file || arch !== 'x64') {
        out.push(
          check('ep-cuda', title('cuda'), gpu, {
            ok: false,
            status: 'unavailable',
            reason: `onnxruntime-node's CUDA add-on exists for Linux and Windows x64 only (this is ${platform} ${arch})`,
            fix: null,
          }),
        );
        continue;
      }
      const dir = join(p.root, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', platform, arch);
      const lib = join(dir, file);
      if (!p.exists(lib)) {
        out.push(
          check('ep-cuda', title('cuda'), gpu, {
            ok: false,
            status: 'missing',
            reason: `onnxruntime-node's CUDA add-on is not installed (no ${file} in ${dir}); it is an extra download, and then needs an NVIDIA driver, CUDA 12 and cuDNN 9`,
            fix: FIX.cuda,
          }),
        );
        continue;
      }
      out.push(await start('cuda', gpu, `add-on present (${lib}); a session starts`));
      continue;
    }
    if (!backends.has(prov)) {
      out.push(
        check(`ep-${prov}`, title(prov), gpu, {
          ok: false,
          status: 'unavailable',
          reason: `not a backend of this onnxruntime-node build for ${platform} ${arch}`,
          fix: null,
        }),
      );
      continue;
    }
    out.push(await start(prov, gpu, prov === 'webgpu' ? 'an adapter was found; a session starts' : 'a session starts'));
  }
  return out;
}

function chromiumFix(p: EnvProbes): string {
  const { platform } = p.runtime;
  if (platform === 'darwin') return 'brew install --cask chromium && export CHROMIUM_PATH=/Applications/Chromium.app/Contents/MacOS/Chromium';
  if (platform === 'win32') return 'winget install Hibbiki.Chromium, then set CHROMIUM_PATH to its chrome.exe';
  const install = p.exists('/etc/debian_version')
    ? 'apt-get install -y chromium'
    : p.exists('/etc/fedora-release')
      ? 'dnf install -y chromium'
      : p.exists('/etc/arch-release')
        ? 'pacman -S --noconfirm chromium'
        : p.exists('/etc/alpine-release')
          ? 'apk add chromium'
          : null;
  if (!install) return 'install Chromium with your package manager, then export CHROMIUM_PATH=<its executable>';
  // The package puts it at /usr/bin/chromium on these distributions; a CHROMIUM_PATH elsewhere must go.
  return p.env('CHROMIUM_PATH') && p.env('CHROMIUM_PATH') !== DEFAULT_CHROMIUM ? `${install} && unset CHROMIUM_PATH` : install;
}

function chromiumCheck(p: EnvProbes): EnvCheck {
  const needs: EnvNeed[] = ['tests'];
  const fromEnv = p.env('CHROMIUM_PATH');
  const path = fromEnv || DEFAULT_CHROMIUM;
  const where = fromEnv ? `CHROMIUM_PATH=${fromEnv}` : `${DEFAULT_CHROMIUM} (the tests' default; CHROMIUM_PATH overrides it)`;
  if (!p.exists(path)) {
    return check('chromium', 'Chromium (browser tests)', needs, {
      ok: false,
      status: 'missing',
      reason: `no Chromium at ${where}; the browser end-to-end tests skip without it`,
      fix: chromiumFix(p),
    });
  }
  const v = p.commandVersion(path);
  return v.ok
    ? check('chromium', 'Chromium (browser tests)', needs, { ok: true, detail: `${v.version} (${path})` })
    : check('chromium', 'Chromium (browser tests)', needs, {
        ok: false,
        status: 'unavailable',
        detail: path,
        reason: `${path} does not run: ${firstLine(v.error)}`,
        fix: chromiumFix(p),
      });
}

function demoCheck(p: EnvProbes): EnvCheck {
  const needs: EnvNeed[] = ['sample'];
  const title = 'Demo models';
  const dir = join(p.root, 'models', 'demo');
  const file = join(dir, 'demo.json');
  const text = p.readText(file);
  if (text === null) {
    return check('demo-models', title, needs, {
      ok: false,
      status: 'missing',
      reason: `${file} is not there, so the sample project comes without models`,
      fix: FIX.demoModels,
    });
  }
  let members: string[] = [];
  let averaged: string | null = null;
  try {
    const d = JSON.parse(text) as { set?: { members?: unknown }; averaged?: unknown };
    if (!Array.isArray(d.set?.members) || d.set.members.some((m) => typeof m !== 'string') || d.set.members.length === 0) {
      throw new Error('set.members is not a list of file names');
    }
    members = d.set.members as string[];
    averaged = typeof d.averaged === 'string' ? d.averaged : null;
  } catch (e) {
    return check('demo-models', title, needs, {
      ok: false,
      status: 'unavailable',
      reason: `${file} is not a valid demo.json: ${e instanceof Error ? e.message : String(e)}`,
      fix: FIX.demoModels,
    });
  }
  const files = averaged ? [...members, averaged] : members;
  const absent = files.filter((f) => !p.exists(join(dir, f)));
  if (absent.length) {
    return check('demo-models', title, needs, {
      ok: false,
      status: 'missing',
      detail: file,
      reason: `${file} names files that are not in ${dir}: ${absent.join(', ')}`,
      fix: FIX.demoModels,
    });
  }
  return check('demo-models', title, needs, {
    ok: true,
    detail: `${members.length} snapshot${members.length === 1 ? '' : 's'}${averaged ? ' + averaged' : ''} in ${dir}`,
  });
}

export interface DoctorOptions {
  /** The better-sqlite3 binary the desktop app loads (BackendOptions.sqliteNativeBinding). */
  sqliteNativeBinding?: string;
}

/** Runs every check; never throws for a missing piece (that is a line of the report). */
export async function runDoctor(p: EnvProbes, opts: DoctorOptions = {}): Promise<EnvReport> {
  const [electron, electronBinary, sqliteElectron] = electronChecks(p, opts.sqliteNativeBinding);
  const checks: EnvCheck[] = [
    nodeCheck(p),
    electron,
    electronBinary,
    sqliteNodeCheck(p),
    sqliteElectron,
    sharpCheck(p),
    ...(await onnxChecks(p)),
    chromiumCheck(p),
    demoCheck(p),
  ];
  const ready = Object.fromEntries(
    ENV_NEEDS.map((n) => {
      const mine = checks.filter((c) => c.needs.includes(n));
      return [n, n === 'gpu' ? mine.some((c) => c.status === 'ok') : mine.every((c) => c.status === 'ok')];
    }),
  ) as Record<EnvNeed, boolean>;
  return { platform: p.runtime.platform, arch: p.runtime.arch, root: p.root, runtime: p.runtime.electron ? 'electron' : 'node', checks, ready };
}
