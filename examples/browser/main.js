// The browser example: two rings on a device in a Web Worker, drawn live. Imports the package by
// name, as an app does; Vite (npm run demo:browser) serves it and finds the wasm and the worker.
import { createRuntime } from 'dmafence';

const CAPACITY = 64;
const JOB_BYTES = 4096;
const isolated = globalThis.crossOriginIsolated === true;
const rt = await createRuntime({ clock: isolated ? 'real' : 'virtual', maxRings: 8, maxRingCapacity: CAPACITY, dmaBytes: 4 << 20, maxFences: 1 << 14 });
document.querySelector('#mode').innerHTML = isolated
  ? `cross-origin isolated: <b>real clock</b>, the device runs in a Web Worker · ${rt.backend} core · seed ${rt.seed}`
  : 'not cross-origin isolated: virtual clock in this thread (serve with COOP/COEP for the real clock)';

// About 0.8 ms a job: slow enough to watch, with a producer that sometimes outruns it (backpressure).
const dev = rt.createDevice({ name: 'gpu0', latency: { baseNs: 500_000, perByteNs: 50, jitter: 0.6 }, resetNs: 20e6, ackNs: 2e6 });
const views = [];
let made = 0;

function makeRing(slot) {
  const ring = rt.createRing({ device: dev, capacity: CAPACITY, timeoutNs: 80e6, resubmit: true, name: `ring${made++}` });
  const v = { ring, slot, lastSignaled: 0, rate: 0, flash: new Float32Array(CAPACITY), prevSig: 0, el: null, hold: [] };
  views[slot] = v;
  render(v);
  return v;
}

function render(v) {
  const el = v.el ?? document.createElement('article');
  el.className = 'ring';
  el.innerHTML = `
    <svg viewBox="-100 -100 200 200" aria-label="ring occupancy">${Array.from({ length: CAPACITY }, (_, i) => {
      const a0 = (i / CAPACITY) * 2 * Math.PI - Math.PI / 2, a1 = ((i + 0.82) / CAPACITY) * 2 * Math.PI - Math.PI / 2;
      const p = (r, a) => `${(r * Math.cos(a)).toFixed(2)} ${(r * Math.sin(a)).toFixed(2)}`;
      return `<path d="M ${p(90, a0)} A 90 90 0 0 1 ${p(90, a1)} L ${p(66, a1)} A 66 66 0 0 0 ${p(66, a0)} Z" fill="#222b38"/>`;
    }).join('')}<text x="0" y="-4" text-anchor="middle" font-size="26" fill="#d8dee9" class="inflight">0</text>
    <text x="0" y="18" text-anchor="middle" font-size="11" fill="#8a96a8">in flight</text></svg>
    <div>
      <h2>${v.ring.name} <span class="state">running</span></h2>
      <div class="stats">
        <div class="stat"><b class="rate">0</b><span>fences signaled / s</span></div>
        <div class="stat"><b class="total">0</b><span>fences signaled</span></div>
        <div class="stat"><b class="irqs">0</b><span>interrupts</span></div>
        <div class="stat"><b class="mem">0</b><span>corruptions seen</span></div>
      </div>
      <div class="buttons">
        <button class="hang">Hang the next job</button>
        <button class="danger drop">Drop busy: signal-on-drop</button>
        <button class="clean">Drop busy: emitter-guarantee</button>
      </div>
    </div>`;
  if (!v.el) document.querySelector('#rings').append(el);
  v.el = el;
  v.cells = [...el.querySelectorAll('path')];
  el.querySelector('.hang').onclick = () => dev.inject('hang');
  el.querySelector('.drop').onclick = () => drop(v, 'signal-on-drop');
  el.querySelector('.clean').onclick = () => drop(v, 'emitter-guarantee');
}

async function drop(v, policy) {
  if (v.ring.state === 'dropped') return;
  feed(v, 16); // drop while the ring is busy: that is when policies differ
  const report = await v.ring.drop({ policy });
  v.el.querySelector('h2').title = JSON.stringify(report.fences);
  // Memory pressure: someone else takes the freed memory at once.
  for (let i = 0; i < 16; i++) {
    try {
      v.hold.push(rt.memory.alloc(JOB_BYTES));
    } catch {
      break;
    }
  }
  setTimeout(() => {
    for (const b of v.hold.splice(0)) rt.memory.free(b);
    if (made < 8) makeRing(v.slot);
  }, 2500);
}

function feed(v, jobs) {
  const r = v.ring;
  // Bursty work: 0 to 80 jobs a frame (20 on average), about what the device can do.
  let burst = jobs ?? Math.floor(Math.random() * Math.random() * 80);
  while (burst-- > 0 && r.state === 'running' && r.space > 0) {
    let buf;
    try {
      buf = rt.memory.alloc(JOB_BYTES);
    } catch {
      return;
    }
    const f = r.submit({ dst: buf, pattern: (Math.random() * 255) | 0 });
    rt.memory.freeAfter(buf, f);
    f.release();
  }
}

const shown = new Set();
function frame(t) {
  for (const v of views) {
    if (!v) continue;
    feed(v);
    const r = v.ring;
    const ctx = r.context;
    const sig = ctx.signaledSeqno;
    const inFlight = r.inFlight;
    // Flash the cells whose jobs just completed.
    for (let s = v.prevSig + 1; s <= sig && s > sig - CAPACITY; s++) v.flash[(s - 1) % CAPACITY] = 1;
    v.prevSig = sig;
    // Cell i is ring slot i: green while its last job's fence just signaled, then amber for the
    // slots whose jobs are in flight (seqnos sig+1 .. sig+inFlight), red while the ring resets.
    for (let i = 0; i < CAPACITY; i++) {
      const f = v.flash[i];
      v.cells[i].setAttribute('fill', f > 0.05 ? `rgba(76,195,138,${0.35 + 0.65 * f})` : '#222b38');
      v.flash[i] *= 0.86;
    }
    const busy = r.state === 'resetting' || r.state === 'faulted' ? '#ef5b5b' : '#f0a73a';
    for (let i = 0; i < inFlight; i++) v.cells[(sig + i) % CAPACITY].setAttribute('fill', busy);
    v.el.querySelector('.inflight').textContent = inFlight;
    const st = v.el.querySelector('.state');
    st.textContent = r.state;
    st.className = `state ${r.state}`;
    v.el.querySelector('.total').textContent = sig.toLocaleString();
    v.el.querySelector('.irqs').textContent = r.irqs.toLocaleString();
    v.el.querySelector('.mem').textContent = rt.memory.corruptions.filter((c) => c.ring === r.name).length;
    if (t - (v.lastT ?? 0) > 500) {
      v.rate = ((sig - v.lastSignaled) * 1000) / (t - (v.lastT ?? t - 500));
      v.lastSignaled = sig;
      v.lastT = t;
      v.el.querySelector('.rate').textContent = Math.round(v.rate).toLocaleString();
    }
  }
  const list = document.querySelector('#violations');
  for (const [i, v] of rt.violations.entries()) {
    if (shown.has(i) || shown.size > 200) continue;
    shown.add(i);
    const li = document.createElement('li');
    li.className = v.kind;
    li.textContent = `${(v.timeNs / 1e6).toFixed(1)} ms  ${v.kind} (${v.rule}): ${v.message}`;
    list.prepend(li);
  }
  document.querySelector('#vcount').textContent = rt.violations.length;
  if (!isolated) rt.sim.advance(16e6);
  globalThis.__dmafence = { signaled: rt.stats.fencesSignaled, violations: rt.violations.length, clock: rt.clock, rings: views.length };
  requestAnimationFrame(frame);
}

makeRing(0);
makeRing(1);
requestAnimationFrame(frame);
