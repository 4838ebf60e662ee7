// After rollup: put the wasm cores beside the bundles (where the loader looks first) and make the
// command line entry executable.
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
mkdirSync(new URL('../dist/', import.meta.url), { recursive: true });
for (const f of ['dmafence.wasm', 'dmafence.unshared.wasm']) {
  copyFileSync(new URL(`../build/${f}`, import.meta.url), new URL(`../dist/${f}`, import.meta.url));
}
chmodSync(new URL('../dist/cli.js', import.meta.url), 0o755);
