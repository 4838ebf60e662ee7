// The browser example: rings, each on its own modeled DMA device in a Web Worker, drawn live, with
// a log of protocol events per ring, the drop report beside the ring, the violations grouped by
// kind, and the teardown matrix as a heat map. Imports the package by name, as an app does; Vite
// (npm run demo:browser) serves it and finds the wasm and the worker.
import { createRuntime, runTeardownMatrix, teardownMatrixSvg, Errno } from 'dmafence';
import { EventLog, describeEvent, ms } from './log.js';
import { ViolationGroups } from './violations.js';
import { mountMatrix } from './matrix.js';

const CAPACITY = 64;
const JOB_BYTES = 4096;
const MAX_RINGS = 16;
const TIMEOUT_NS = 80e6;
const isolated = globalThis.crossOriginIsolated === true;
const rt = await createRuntime({ clock: isolated ? 'real' : 'virtual', maxRings: MAX_RINGS, maxRingCapacity: CAPACITY, dmaBytes: 4 << 20, maxFences: 1 << 14 });
document.querySelector('#mode').innerHTML = isolated
  ? `cross-origin isolated: <b>real clock</b>, the devices run in a Web Worker · ${rt.backend} core · seed ${rt.seed}`
  : 'not cross-origin isolated: virtual clock in this thread (serve with COOP/COEP for the real clock)';
const ERRNO_NAME = Object.fromEntries(Object.entries(Errno).map(([k, v]) => [v, k]));
const errName = (e) => `-${ERRNO_NAME[-e] ?? -e}`;

const views = []; // one per card slot
const byName = new Map(); // ring name → view
let made = 0;

/** A ring on a device of its own: a hang armed on it hangs this ring only. About 0.8 ms a job. */
function makeRing(slot) {
  const name = `ring${made++}`;
  const device = rt.createDevice({ name: `gpu${made - 1}`, latency: { baseNs: 500_000, perByteNs: 50, jitter: 0.6 }, resetNs: 20e6, ackNs: 2e6 });
  const ring = rt.createRing({ device, capacity: CAPACITY, timeoutNs: TIMEOUT_NS, resubmit: true, name });
  const v = { ring, device, slot, submitted: 0, errors: 0, resets: 0, corruptions: 0, pending: [], head: 0, flash: new Float32Array(CAPACITY), prevSig: 0, hold: [], report: null, el: null };
  const old = views[slot];
  views[slot] = v;
  byName.set(name, v);
  render(v, old?.el);
  v.log.add('info', 'created', `created on its own device ${device.name}${old ? `, in place of ${old.ring.name}` : ''}: ${CAPACITY} slots, timeout ${ms(TIMEOUT_NS)}`, rt.sim.now);
  return v;
}

function ringSvg() {
  const p = (r, a) => `${(r * Math.cos(a)).toFixed(2)} ${(r * Math.sin(a)).toFixed(2)}`;
  const cells = Array.from({ length: CAPACITY }, (_, i) => {
    const a0 = (i / CAPACITY) * 2 * Math.PI - Math.PI / 2, a1 = ((i + 0.82) / CAPACITY) * 2 * Math.PI - Math.PI / 2;
    return `<path d="M ${p(90, a0)} A 90 90 0 0 1 ${p(90, a1)} L ${p(66, a1)} A 66 66 0 0 0 ${p(66, a0)} Z" fill="#222b38"/>`;
  });
  return `<svg class="occupancy" viewBox="-100 -100 200 200" aria-label="ring occupancy">${cells.join('')}
    <text x="0" y="-4" text-anchor="middle" font-size="26" fill="#d8dee9" class="inflight">0</text>
    <text x="0" y="18" text-anchor="middle" font-size="11" fill="#8a96a8">in flight</text></svg>`;
}

const STATS = [['submitted', 'submitted'], ['signaled', 'signaled'], ['errors', 'signaled with error'], ['inflight', 'in flight'], ['rate', 'signaled / s'], ['resets', 'resets'], ['irqs', 'interrupts'], ['corruptions', 'corruptions']];

function render(v, replacing) {
  const el = document.createElement('article');
  el.className = 'ring';
  el.dataset.ring = v.ring.name;
  el.innerHTML = `
    <div class="top">${ringSvg()}
      <div class="head">
        <h2>${v.ring.name} <small>on ${v.device.name}</small> <span class="state">running</span> <span class="verdict" hidden></span></h2>
        <div class="stats">${STATS.map(([k, label]) => `<div class="stat ${k}"><b>0</b><span>${label}</span></div>`).join('')}</div>
      </div>
    </div>
    <div class="buttons">
      <button class="hang" title="arms a hang on this ring's device: its next job never completes">Hang the next job</button>
      <button class="danger drop">Drop busy: signal-on-drop</button>
      <button class="clean">Drop busy: emitter-guarantee</button>
    </div>
    <div class="report" hidden></div>
    <h3>Events <small>newest first</small></h3>
    <ol class="log"></ol>`;
  if (replacing) replacing.replaceWith(el);
  else document.querySelector('#rings').append(el);
  v.el = el;
  v.cells = [...el.querySelectorAll('svg.occupancy path')];
  v.stat = Object.fromEntries(STATS.map(([k]) => [k, el.querySelector(`.stat.${k} b`)]));
  v.log = new EventLog(el.querySelector('.log'));
  el.querySelector('.hang').onclick = () => hang(v);
  el.querySelector('.drop').onclick = () => drop(v, 'signal-on-drop');
  el.querySelector('.clean').onclick = () => drop(v, 'emitter-guarantee');
}

function hang(v) {
  if (v.ring.state === 'dropped') return;
  v.device.inject('hang');
  v.log.add('warn', 'hang', `hang armed on ${v.device.name}: the next job never completes; the timeout handler should catch it after ${ms(TIMEOUT_NS)}`, rt.sim.now);
}

async function drop(v, policy) {
  if (v.ring.state === 'dropped' || v.dropping) return;
  v.dropping = true;
  for (const b of v.el.querySelectorAll('.buttons button')) b.disabled = true;
  feed(v, 16); // drop while the ring is busy: that is when policies differ
  v.log.add('info', 'drop-click', `drop requested with ${v.ring.inFlight} jobs in flight, policy ${policy}`, rt.sim.now);
  let report;
  try {
    report = await v.ring.drop({ policy });
  } catch (e) {
    v.log.add('bad', 'drop-failed', `drop refused: ${e.code ?? ''} ${e.message}`, rt.sim.now);
    v.dropping = false;
    for (const b of v.el.querySelectorAll('.buttons button')) b.disabled = false;
    return;
  }
  // Memory pressure: someone else takes the freed memory at once.
  for (let i = 0; i < 16; i++) {
    try {
      v.hold.push(rt.memory.alloc(JOB_BYTES));
    } catch {
      break;
    }
  }
  v.report = report;
  v.log.add('info', 'report', `drop done in ${ms(report.timeNs)}: ${report.fences.ok} ok, ${report.fences.canceled} canceled, ${report.fences.unsignaled} unsignaled`, rt.sim.now);
  const buttons = v.el.querySelector('.buttons');
  buttons.innerHTML = made < MAX_RINGS ? '<button class="new">New ring in its place</button>' : '<span class="dim">no ring left to make (this runtime holds 16)</span>';
  buttons.querySelector('.new')?.addEventListener('click', () => replace(v));
  updateCompare();
}

/** A new ring (on a new device) takes the dropped one's card. */
function replace(v) {
  for (const b of v.hold.splice(0)) rt.memory.free(b);
  for (let i = v.head; i < v.pending.length; i++) v.pending[i].release();
  makeRing(v.slot);
  updateCompare();
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
    v.pending.push(f); // kept until it signals, to read its error
    v.submitted++;
  }
}

/** Fences signal in order on a ring: release the signaled ones, log those with an error. */
function reap(v) {
  let run = null;
  const flush = () => {
    if (!run) return;
    const seqnos = run.first === run.last ? `fence ${run.first}` : `fences ${run.first}–${run.last}`;
    v.log.add('warn', `err ${run.error}`, `signaled ${run.n} with error ${errName(run.error)} (${seqnos})`, run.tNs);
    run = null;
  };
  while (v.head < v.pending.length && v.pending[v.head].signaled) {
    const f = v.pending[v.head++];
    const err = f.error;
    if (err !== 0) {
      v.errors++;
      if (run && run.error !== err) flush();
      if (run) (run.n++, (run.last = f.seqno));
      else run = { error: err, n: 1, first: f.seqno, last: f.seqno, tNs: f.timestamp };
    }
    f.release();
  }
  flush();
  if (v.head > 256) {
    v.pending.splice(0, v.head);
    v.head = 0;
  }
}

const violations = new ViolationGroups(document.querySelector('#violations'), document.querySelector('#vcount'));
let eventsSeen = 0;

/** New protocol events: into their ring's log, the counters and the violation groups. */
function readEvents() {
  const events = rt.events;
  for (let i = eventsSeen; i < events.length; i++) {
    const e = events[i];
    if (e.name === 'violation') violations.add(e);
    const v = byName.get(e.args.ring);
    if (!v) continue;
    if (e.name === 'reset-effective') v.resets++;
    if (e.name === 'violation' && e.args.kind === 'corruption') v.corruptions++;
    const line = describeEvent(e);
    if (line) v.log.add(line[0], line[1], line[2], e.timeNs);
  }
  eventsSeen = events.length;
}

/** The drop report's violations of this ring (a drop's report lists every one seen while it ran). */
const ownViolations = (v) => v.report.violations.filter((x) => x.context === v.ring.context.id);

function verdict(v) {
  const r = v.report;
  const bad = [];
  if (v.corruptions) bad.push(`${v.corruptions} DMA writes into memory already reused (M2)`);
  const premature = ownViolations(v).filter((x) => x.kind === 'premature-signal').length;
  if (premature) bad.push(`${premature} fences signaled while the device could still write (T1)`);
  if (r.fences.unsignaled) bad.push(`${r.fences.unsignaled} fences never signaled (T2)`);
  return bad;
}

function showReport(v) {
  const r = v.report;
  const bad = verdict(v);
  const box = v.el.querySelector('.report');
  const badge = v.el.querySelector('.verdict');
  box.hidden = false;
  badge.hidden = false;
  box.className = `report ${bad.length ? 'corrupted' : 'clean'}`;
  badge.className = `verdict ${bad.length ? 'corrupted' : 'clean'}`;
  badge.textContent = bad.length ? 'corrupted' : 'clean';
  const kinds = {};
  for (const x of ownViolations(v)) kinds[x.kind] = (kinds[x.kind] ?? 0) + 1;
  const f = r.fences;
  box.innerHTML = `
    <p class="line"><b>${bad.length ? 'Corrupted' : 'Clean'} drop</b> · policy <code>${r.policy}</code> · took ${ms(r.timeNs)}</p>
    <p>${bad.length ? bad.join('; ') : 'no fence signaled before the device stopped writing, no memory written after reuse, every fence signaled'}.</p>
    <p class="fences">fences: ${f.total} total · ${f.ok} ok · ${f.canceled} canceled · ${f.timedOut} timed out · ${f.otherError} other error · ${f.unsignaled} unsignaled</p>
    <p class="fences">violations during the drop: ${Object.entries(kinds).map(([k, n]) => `${k} ×${n}`).join(', ') || 'none'}</p>`;
}

function updateCompare() {
  const running = views.filter((v) => v.ring.state !== 'dropped' && !v.dropping);
  const b = document.querySelector('#compare');
  b.disabled = running.length < 2;
  b.textContent = running.length >= 2 ? `Compare: drop ${running[0].ring.name} with signal-on-drop and ${running[1].ring.name} with emitter-guarantee` : 'Compare the two policies (needs two running rings: make a new ring)';
}
document.querySelector('#compare').onclick = () => {
  const running = views.filter((v) => v.ring.state !== 'dropped' && !v.dropping);
  if (running.length < 2) return;
  drop(running[0], 'signal-on-drop');
  drop(running[1], 'emitter-guarantee');
};

function drawRing(v, t) {
  const r = v.ring;
  const sig = r.context.signaledSeqno;
  const inFlight = r.inFlight;
  // Flash the cells whose jobs just completed; amber for jobs in flight, red while the ring resets.
  for (let s = v.prevSig + 1; s <= sig && s > sig - CAPACITY; s++) v.flash[(s - 1) % CAPACITY] = 1;
  v.prevSig = sig;
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
  v.el.classList.toggle('dropped', r.state === 'dropped');
  const s = v.stat;
  s.submitted.textContent = v.submitted.toLocaleString();
  s.signaled.textContent = sig.toLocaleString();
  s.errors.textContent = v.errors.toLocaleString();
  s.inflight.textContent = inFlight;
  s.resets.textContent = v.resets;
  s.irqs.textContent = r.irqs.toLocaleString();
  s.corruptions.textContent = v.corruptions.toLocaleString();
  s.errors.parentElement.classList.toggle('warn', v.errors > 0);
  s.corruptions.parentElement.classList.toggle('bad', v.corruptions > 0);
  if (t - (v.lastT ?? 0) > 500) {
    const rate = ((sig - (v.lastSignaled ?? 0)) * 1000) / (t - (v.lastT ?? t - 500));
    v.lastSignaled = sig;
    v.lastT = t;
    s.rate.textContent = Math.round(rate).toLocaleString();
  }
  if (v.report) showReport(v);
  v.log.render();
}

let lastRead = 0;
function frame(t) {
  for (const v of views) {
    feed(v);
    reap(v);
  }
  if (t - lastRead > 100) {
    lastRead = t;
    readEvents();
    for (const v of views) drawRing(v, t);
    violations.render();
  } else for (const v of views) drawRing(v, t);
  if (!isolated) rt.sim.advance(16e6);
  globalThis.__dmafence = { signaled: rt.stats.fencesSignaled, violations: rt.violations.length, clock: rt.clock, rings: views.length };
  requestAnimationFrame(frame);
}

makeRing(0);
makeRing(1);
updateCompare();
requestAnimationFrame(frame);
// The matrix runs its own small runtimes (virtual clock) once the rings are up.
setTimeout(() => mountMatrix(document.querySelector('#matrix'), { runTeardownMatrix, teardownMatrixSvg, backend: rt.backend }), 300);
