// ESLint rule `parsel/main-layers`: the layers inside src/main (docs/ARCHITECTURE.md), checked on every
// import the way VS Code's layer check does it: each import is resolved to the file it names, both
// files get a layer, and a lower layer never imports a higher one (type-only imports included).
//
//   0 store      src/main/store/**                        SQL, transactions, row decoding
//   1 services   src/main/services/** (but 2 and 3), formats/**, inference/**, sharp.ts
//   2 domains    src/main/services/domains/**             the contract's methods, one file per domain
//   3 table      src/main/services/create.ts, index.ts    the service table that composes the domains
//   4 hosts      src/main/server/**, ipc.ts, electron.ts  transports and the Electron shell
//
// Files of src/main outside these paths are not checked (give a new folder its layer here). Above the
// store, importing `storeDb` (the raw connection of a ProjectStore) is refused too.
import { existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

const NAMES = ['store', 'services', 'domains', 'the service table', 'server / electron'];

/** Layer of a path relative to src/main ('/'-separated, no extension), or null when not layered. */
export function layerOf(rel) {
  if (rel === 'store' || rel.startsWith('store/')) return 0;
  if (rel.startsWith('services/domains/') || rel === 'services/domains') return 2;
  if (rel === 'services/create' || rel === 'services/index' || rel === 'services') return 3;
  if (rel.startsWith('services/') || rel.startsWith('formats/') || rel.startsWith('inference/') || rel === 'sharp') return 1;
  if (rel.startsWith('server/') || rel === 'server' || rel === 'ipc' || rel === 'electron') return 4;
  return null;
}

function mainRel(mainDir, abs) {
  let p = abs;
  try {
    if (existsSync(p) && statSync(p).isDirectory()) p = `${p}${sep}index`;
  } catch {
    // unreadable: judge the path as written
  }
  const rel = relative(mainDir, p).split(sep).join('/');
  if (rel.startsWith('..')) return null;
  return rel.replace(/\.(d\.ts|ts|tsx|js|mjs|cjs)$/, '');
}

export const mainLayers = {
  meta: { type: 'problem', schema: [], messages: { rawDb: 'storeDb (the raw connection) is for src/main/store only: use ProjectStore and its repositories', up: '{{from}} must not import {{to}} ({{spec}}): src/main layers are store ← services ← domains ← the service table ← server / electron (docs/ARCHITECTURE.md)' } },
  create(context) {
    const file = context.filename;
    const mainDir = resolve(context.cwd, 'src', 'main');
    const own = mainRel(mainDir, file);
    const from = own === null ? null : layerOf(own);
    if (from === null) return {};
    const check = (node, source) => {
      const spec = source && typeof source.value === 'string' ? source.value : null;
      if (!spec || !spec.startsWith('.')) return;
      const target = mainRel(mainDir, resolve(dirname(file), spec));
      if (target === null) return;
      const to = layerOf(target);
      if (to !== null && to > from) context.report({ node, messageId: 'up', data: { from: NAMES[from], to: NAMES[to], spec } });
      // The raw connection is the store's own: above it, code goes through ProjectStore and its repositories.
      const named = (node.specifiers ?? []).some((sp) => (sp.imported?.name ?? sp.local?.name) === 'storeDb');
      if (from > 0 && target === 'store/project-store' && named) context.report({ node, messageId: 'rawDb' });
    };
    return {
      ImportDeclaration: (n) => check(n, n.source),
      ExportNamedDeclaration: (n) => check(n, n.source),
      ExportAllDeclaration: (n) => check(n, n.source),
      ImportExpression: (n) => check(n, n.source),
    };
  },
};

export default { rules: { 'main-layers': mainLayers } };
