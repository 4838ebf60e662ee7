// Puts the wasm core beside the built bindings (dist/dmafence.wasm), where the loader looks first.
import { copyFileSync, mkdirSync } from 'node:fs';
mkdirSync(new URL('../dist/', import.meta.url), { recursive: true });
copyFileSync(new URL('../build/dmafence.wasm', import.meta.url), new URL('../dist/dmafence.wasm', import.meta.url));
