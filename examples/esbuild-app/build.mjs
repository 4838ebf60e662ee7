#!/usr/bin/env node
// Bundles the page of examples/vite-app (index.html and main.js: one ring on each clock) with esbuild's JS API into an output directory (default dist/ here), then
// does the one thing esbuild needs for dmafence: esbuild keeps `new URL('./file', import.meta.url)`
// as it is (it neither copies the file nor rewrites the URL), so the three files the package names
// that way are copied next to the bundle, from the package's dist/.
// Usage: node examples/esbuild-app/build.mjs [outdir]
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** What dmafence's browser bundle loads from beside itself. */
export const DMAFENCE_FILES = ['dmafence.wasm', 'dmafence.unshared.wasm', 'device-worker.browser.js'];

export async function buildApp(outdir = join(HERE, 'dist')) {
  mkdirSync(outdir, { recursive: true });
  await build({ entryPoints: { main: join(HERE, '../vite-app/main.js') }, bundle: true, format: 'esm', platform: 'browser', outdir, logLevel: 'warning' });
  const dist = dirname(fileURLToPath(import.meta.resolve('dmafence'))); // node_modules/dmafence/dist
  for (const f of DMAFENCE_FILES) copyFileSync(join(dist, f), join(outdir, f));
  copyFileSync(join(HERE, '../vite-app/index.html'), join(outdir, 'index.html')); // the same page
  return outdir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  console.log(`built into ${await buildApp(process.argv[2] ? resolve(process.argv[2]) : undefined)}`);
}
