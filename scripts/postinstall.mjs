#!/usr/bin/env node
// `postinstall`: fetches what the npm registry does not carry — the Electron binary and, on Linux x64,
// onnxruntime-node's CUDA provider — where they can be fetched, and otherwise lets the install finish with
// one plain line per thing skipped and the command that fetches it later. Never fails the install.
//
// `node scripts/postinstall.mjs electron|cuda` (npm run get-electron / get-cuda) fetches one of them on
// request and exits 1 when that fails.
//
// Why this and not the packages' own install scripts: those fail the whole `npm install` when GitHub or
// NuGet cannot be reached (air-gapped labs, locked-down CI, this project's own machines). package.json's
// `allowScripts` (npm >= 11.19) keeps them from running; this script runs the very same scripts, tolerantly.
import { cudaStatus, electronStatus, electronVersion, fetchCuda, fetchElectron } from './optional-downloads.mjs';

const ELECTRON_LATER = 'npm start runs the app in browser mode; fetch it later with: npm run get-electron';
const CUDA_LATER = 'models run on the CPU; fetch it later with: npm run get-cuda';

async function electron({ explicit }) {
  const st = electronStatus();
  if (st.state === 'present') {
    if (explicit) console.log(`parsel: the Electron binary is already installed (${st.path})`);
    return true;
  }
  if (st.state === 'absent') {
    console.log('parsel: skipped the Electron binary (the electron package is not installed: run npm install)');
    return false;
  }
  if (!explicit && process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    console.log(`parsel: skipped the Electron binary (ELECTRON_SKIP_BINARY_DOWNLOAD is set) — ${ELECTRON_LATER}`);
    return false;
  }
  console.log(`parsel: downloading the Electron ${electronVersion()} binary…`);
  const r = await fetchElectron();
  if (r.ok) {
    console.log('parsel: Electron binary installed');
    return true;
  }
  console.log(explicit ? `parsel: could not fetch the Electron binary (${r.reason})` : `parsel: skipped the Electron binary (${r.reason}) — ${ELECTRON_LATER}`);
  return false;
}

async function cuda({ explicit }) {
  const st = cudaStatus();
  if (st.state === 'none') {
    if (explicit) console.log(`parsel: onnxruntime-node downloads no extra provider on ${process.platform}/${process.arch} (DirectML / CoreML come with the package)`);
    return true;
  }
  if (st.state === 'present') {
    if (explicit) console.log('parsel: onnxruntime-node\'s CUDA provider is already installed');
    return true;
  }
  const flag = process.env.ONNXRUNTIME_NODE_INSTALL ?? process.env.ONNXRUNTIME_NODE_INSTALL_CUDA;
  if (!explicit && flag === 'skip') {
    console.log(`parsel: skipped onnxruntime-node's CUDA provider (ONNXRUNTIME_NODE_INSTALL=skip) — ${CUDA_LATER}`);
    return false;
  }
  console.log(`parsel: downloading onnxruntime-node's CUDA provider (${st.names.join(', ')})…`);
  const r = await fetchCuda();
  if (r.ok) {
    console.log('parsel: CUDA provider installed (it needs CUDA 12 and cuDNN 9 on the machine to start)');
    return true;
  }
  console.log(explicit ? `parsel: could not fetch onnxruntime-node's CUDA provider (${r.reason})` : `parsel: skipped onnxruntime-node's CUDA provider (${r.reason}) — ${CUDA_LATER}`);
  return false;
}

const what = process.argv[2];
if (what === 'electron') process.exit((await electron({ explicit: true })) ? 0 : 1);
else if (what === 'cuda') process.exit((await cuda({ explicit: true })) ? 0 : 1);
else if (what) {
  console.error(`usage: node scripts/postinstall.mjs [electron|cuda] (unknown: ${what})`);
  process.exit(2);
} else {
  try {
    await electron({ explicit: false });
    await cuda({ explicit: false });
  } catch (err) {
    // Whatever happens here, the install itself succeeded: say so instead of failing it.
    console.log(`parsel: optional downloads stopped (${err instanceof Error ? err.message : err}); run npm run get-electron / npm run get-cuda later`);
  }
}
