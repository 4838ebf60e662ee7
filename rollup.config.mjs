// Bundles the bindings (compiled by tsc into build/ts) into dist/: the Node entry, the browser
// entry (platform.js swapped for platform.browser.js), the device worker, the command line, and
// one bundled .d.ts. The wasm files are copied beside them by scripts/finish-build.mjs.
// The browser entry and the browser device worker are built apart, one file each with no import:
// an app's bundler follows their literal `new URL('./file', import.meta.url)` to the wasm and the
// worker, and emits the worker on its own (as a module or a classic script); a user who copies
// the files by hand (esbuild) copies three, none with a hashed name.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dts } from 'rollup-plugin-dts';

// A build starts from an empty dist/: chunk names carry a hash, and old ones would otherwise pile
// up there (and go into a package packed from a working tree). finish-build copies the wasm after.
rmSync(new URL('./dist/', import.meta.url), { recursive: true, force: true });

// tsc's source maps (with the TypeScript inlined) as the input maps of the bundles, so that
// dist/*.js.map lead to bindings/*.ts, not to the intermediate build/ts/*.js.
const tscSourceMaps = {
  name: 'tsc-source-maps',
  load(id) {
    if (!id.endsWith('.js') || !existsSync(`${id}.map`)) return null;
    const code = readFileSync(id, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
    return { code, map: JSON.parse(readFileSync(`${id}.map`, 'utf8')) };
  },
};

const browserPlatform = {
  name: 'browser-platform',
  resolveId(source, importer) {
    if (importer && /platform\.js$/.test(source)) return this.resolve(source.replace(/platform\.js$/, 'platform.browser.js'), importer);
    return null;
  },
};

// FenceContext `implements Issuer`, the fence table's internal view of it (with the issuer's
// hooks): the clause says nothing to users, and would pull the internal interface into the d.ts.
const dropInternalImplements = {
  name: 'drop-internal-implements',
  transform(code, id) {
    if (!/fence-context\.d\.ts$/.test(id)) return null;
    return { code: code.replace(/ implements Issuer\b/, ''), map: null };
  },
};

// Classes users never construct (the runtime makes them; their constructors are @internal and
// stripped): the d.ts says `private constructor()`, so `new Runtime()` does not type-check.
const MADE_BY_THE_LIBRARY = ['Runtime', 'FenceContext', 'DmaFence', 'DriverFence', 'HwRing', 'DmaDevice', 'DmaMemory', 'DmaBuffer', 'AttachedRuntime', 'RemoteFence', 'VirtualClock', 'RealClock', 'Scheduler', 'Entity', 'JobQueue', 'SwSyncTimeline', 'Syncobj'];
const privateConstructors = {
  name: 'private-constructors',
  transform(code, id) {
    if (!id.endsWith('.d.ts')) return null;
    const next = code.replace(/(export declare class (\w+)\b[^{]*\{\n)/g, (m, head, name) => (MADE_BY_THE_LIBRARY.includes(name) ? `${head}    /** Made by the library (see the class doc), not with new. */\n    private constructor();\n` : m));
    return next === code ? null : { code: next, map: null };
  },
};

const out = { dir: 'dist', format: 'es', sourcemap: true, entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' /* beside the entries: relative URLs (the wasm) hold */ };

export default [
  { input: { index: 'build/ts/index.js', cli: 'build/ts/cli/cli.js', 'device-worker': 'build/ts/worker/device-worker.js' }, output: out, external: [/^node:/], plugins: [tscSourceMaps] },
  { input: { browser: 'build/ts/index.js' }, output: out, plugins: [browserPlatform, tscSourceMaps] },
  { input: { 'device-worker.browser': 'build/ts/worker/device-worker.js' }, output: out, plugins: [browserPlatform, tscSourceMaps] },
  { input: 'build/ts/index.d.ts', output: { file: 'dist/index.d.ts', format: 'es' }, plugins: [dropInternalImplements, privateConstructors, dts()] },
];
