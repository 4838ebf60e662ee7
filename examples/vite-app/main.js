// A page that uses dmafence the way an app does: `import ... from 'dmafence'`. The bundler (Vite
// here; examples/esbuild-app bundles this same file with esbuild) finds the wasm core and the
// device worker through the package's literal URLs. It runs one ring on each clock: the virtual
// clock in this thread, then (when the page is cross-origin isolated) the real clock, whose device
// runs in the device worker, and shows what each did.
import { createRuntime } from 'dmafence';

const JOBS = 48;

async function runRing(clock) {
  const rt = await createRuntime({ clock, maxRingCapacity: 64, dmaBytes: 1 << 20 });
  try {
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 50_000, perByteNs: 0, jitter: 0 } }), capacity: 64 });
    const buf = rt.memory.alloc(4096);
    const fences = [];
    for (let i = 0; i < JOBS; i++) fences.push(ring.submit({ dst: buf, bytes: 4096, pattern: i + 1 }));
    // The same line drives the virtual clock and, on the real clock, just waits for the device worker.
    await rt.sim.runUntilSettled(Promise.all(fences.map((f) => f.wait())));
    return {
      clock: rt.clock,
      backend: rt.backend,
      signaled: fences.filter((f) => f.signaled).length,
      lastPattern: buf.read()[0], // the device wrote the bytes of the last job
      violations: rt.violations.length,
    };
  } finally {
    await rt.dispose();
  }
}

const results = {};
const out = document.querySelector('#out');
function show() {
  out.textContent = Object.values(results)
    .map((r) => (r.error ? `${r.clock}: ${r.error}` : `${r.clock} clock, ${r.backend} core: ${r.signaled}/${JOBS} fences signaled, last pattern ${r.lastPattern}, ${r.violations} violations`))
    .join('\n');
}
for (const clock of globalThis.crossOriginIsolated ? ['virtual', 'real'] : ['virtual']) {
  try {
    results[clock] = await runRing(clock);
  } catch (e) {
    results[clock] = { clock, error: `${e.code ?? ''} ${e.message}`.trim() };
  }
  show();
}
globalThis.__dmafenceApp = { isolated: globalThis.crossOriginIsolated === true, results };
