// After tsc: put the wasm core beside the built bindings (dist/dmafence.wasm, where the loader
// looks first) and make the command line entry executable.
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
mkdirSync(new URL('../dist/', import.meta.url), { recursive: true });
copyFileSync(new URL('../build/dmafence.wasm', import.meta.url), new URL('../dist/dmafence.wasm', import.meta.url));
chmodSync(new URL('../dist/cli.js', import.meta.url), 0o755);
