// Torn cross-thread reads (issue 14 §5): this worker reads RemoteFences as fast as it can while the
// owner (the main thread) signals them with errors and timestamps that encode their seqno and
// recycles their slots at once. Every answer must be the fence's own, or a coded "pending" /
// "stale" answer; and once a view has said "signaled" it never goes back. Plain JS over the
// built package (vitest does not transform worker files).
import { parentPort } from 'node:worker_threads';
import { attachRuntime } from '../../dist/index.js';

/** The owner's encoding (test/remote-fence.test.ts): must match. */
const expErr = (s) => (s % 3 === 0 ? 0 : -(1 + (s % 4095)));
const expTs = (s) => s * 1000 + 7;

// Coded answers (pending, stale) are thrown: keep throwing cheap, so the reads are many.
Error.stackTraceLimit = 0;

parentPort.once('message', ({ runtime, template, mailbox, slotsInMailbox, views: nViews }) => {
  const view = attachRuntime(runtime);
  // 0 stop; 1 coverage bits seen so far (1 pending, 2 signaled, 4 captured, 8 stale); 2 reads
  // (published now and then); 4.. entry versions. The owner runs until the race was seen every way.
  const ctl = new Int32Array(mailbox, 0, 4 + slotsInMailbox);
  const entries = new Float64Array(mailbox, Math.ceil((4 * (4 + slotsInMailbox)) / 8) * 8, 3 * slotsInMailbox);
  const stats = { reads: 0, attached: 0, refusedStale: 0, signaledReads: 0, pendingReads: 0, staleReads: 0, capturedReads: 0, wrong: 0, samples: [] };
  const wrong = (v, what) => {
    stats.wrong++;
    if (stats.samples.length < 20) stats.samples.push(`seqno ${v.seqno}: ${what}`);
  };
  const codeOf = (e) => (e && typeof e === 'object' && 'code' in e ? e.code : String(e));
  /** A fresh view of the newest handle in entry i, or undefined (entry being written, or refused as stale). */
  const take = (i) => {
    const v1 = Atomics.load(ctl, 4 + i);
    if (v1 & 1 || v1 === 0) return undefined;
    const slot = entries[3 * i], gen = entries[3 * i + 1], seqno = entries[3 * i + 2];
    if (Atomics.load(ctl, 4 + i) !== v1) return undefined;
    const h = { ...template, slot, gen, seqno };
    try {
      const f = view.fence(h);
      stats.attached++;
      return { f, seqno, final: false, stale: false };
    } catch (e) {
      if (codeOf(e) === 'ERR_STALE_HANDLE') stats.refusedStale++;
      else wrong({ seqno }, `view.fence threw ${codeOf(e)}`);
      return undefined;
    }
  };
  const views = [];
  let next = 0;
  while (Atomics.load(ctl, 0) === 0) {
    Atomics.store(ctl, 2, Math.min(stats.reads, 0x7fffffff));
    Atomics.or(ctl, 1, (stats.pendingReads ? 1 : 0) | (stats.signaledReads ? 2 : 0) | (stats.capturedReads ? 4 : 0) | (stats.staleReads + stats.refusedStale ? 8 : 0));
    const v = take(next++ % slotsInMailbox);
    if (v) {
      if (views.length < nViews) views.push(v);
      else views[next % nViews] = v;
    }
    for (let j = 0; j < views.length; j++) {
      const v = views[j];
      if (v.stale) {
        // A view that answered stale has nothing more to say: take a fresh one in its place.
        const fresh = take(next++ % slotsInMailbox);
        if (!fresh) continue;
        views[j] = fresh;
        continue;
      }
      const { f, seqno } = v;
      const e0 = expErr(seqno);
      // signaled
      const sig = f.signaled;
      stats.reads++;
      if (sig) v.final = true;
      else if (v.final) wrong(v, 'signaled went back to false');
      // status
      try {
        const st = f.status;
        if (st === 0) {
          if (v.final) wrong(v, 'status 0 after the view read signaled');
          stats.pendingReads++;
        } else if (st !== (e0 || 1)) wrong(v, `status ${st}, expected ${e0 || 1}`);
        else (v.final = true), stats.signaledReads++;
      } catch (e) {
        if (codeOf(e) === 'ERR_STALE_HANDLE') (v.final = v.stale = true), stats.staleReads++;
        else wrong(v, `status threw ${codeOf(e)}`);
      }
      stats.reads++;
      // error: while pending it may be 0 or the error set just before the signal
      try {
        const er = f.error;
        if (er !== e0 && !(er === 0 && !v.final)) wrong(v, `error ${er}, expected ${e0}${v.final ? '' : ' or 0'}`);
      } catch (e) {
        if (codeOf(e) === 'ERR_STALE_HANDLE') (v.final = v.stale = true), stats.staleReads++;
        else wrong(v, `error threw ${codeOf(e)}`);
      }
      stats.reads++;
      // timestamp: asked once the view has said signaled (a pending answer is then wrong)
      if (!v.final) continue;
      try {
        const ts = f.timestamp;
        if (ts !== expTs(seqno)) wrong(v, `timestamp ${ts}, expected ${expTs(seqno)}`);
        else (v.final = true), stats.capturedReads++;
      } catch (e) {
        const c = codeOf(e);
        if (c === 'ERR_STALE_HANDLE') (v.final = v.stale = true), stats.staleReads++;
        else if (c === 'ERR_FENCE_PENDING') {
          if (v.final) wrong(v, 'timestamp threw ERR_FENCE_PENDING after the view read signaled');
        } else wrong(v, `timestamp threw ${c}`);
      }
      stats.reads++;
    }
  }
  parentPort.postMessage(stats);
});
