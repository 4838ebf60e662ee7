// Scheduler rows of `npm run bench`: scheduled pipelines against the hand-written pipeline the
// scheduler replaces, all zero-byte jobs on the virtual clock with a 1 µs device.
// The same pipeline three ways: (a) the batch form (pushBatch with `after`: render job i waits for
// copy job i, no handles); (b) one ent.push per job, one dependency each, a callback on every 64th
// finished fence; (c) the hand-written baseline the scheduler replaces: fence callbacks submit the
// next stage's job, JS queues hold what does not fit, and advance() polls the clock.
const SCHED_N = 1024;

/** Two rings (copy, render) on one device, a scheduler and an entity on each. */
export async function makeSchedPipeline(createRuntime, backend) {
  const rt = await createRuntime({ backend, maxFences: 16384, maxContexts: 64, maxRings: 4, maxRingCapacity: 1024 });
  const dev = rt.createDevice({ latency: { baseNs: 1000 } });
  const copyRing = rt.createRing({ device: dev, capacity: 1024, name: 'copy' });
  const renderRing = rt.createRing({ device: dev, capacity: 1024, name: 'render' });
  const copy = rt.createScheduler({ ring: copyRing, name: 'copy' }).createEntity({ priority: 'normal' });
  const render = rt.createScheduler({ ring: renderRing, name: 'render' }).createEntity({ priority: 'normal' });
  return { rt, copy, render };
}

/** The batch form: n copy jobs, n render jobs each after its copy job, run to idle. */
export function schedBatchLoop(rt, copy, render, n) {
  const firstSeqno = copy.pushBatch(n, {});
  render.pushBatch(n, { after: { context: copy.finishedContext, firstSeqno } });
  rt.sim.runUntilIdle();
}

/** One ent.push per job, one dependency each, `onFinished` on every 64th finished fence. */
export function schedPushLoop(rt, copy, render, n, onFinished) {
  schedPushes(copy, render, n, onFinished);
  rt.sim.runUntilIdle();
}

/** schedPushLoop's pushes, without the run. */
export function schedPushes(copy, render, n, onFinished) {
  for (let i = 0; i < n; i++) {
    const c = copy.push({});
    const r = render.push({ deps: [c.finished] });
    c.scheduled.release();
    c.finished.release();
    r.scheduled.release();
    if ((i & 63) === 63) r.finished.addCallback(onFinished);
    else r.finished.release();
  }
}

export async function section(h) {
  const { createRuntime, CFG, pair, record } = h;
  const schedPipeline = (backend) => makeSchedPipeline(createRuntime, backend);
  {
    const s = await pair('sched batch', async (backend) => {
      const { rt, copy, render } = await schedPipeline(backend);
      return {
        fn: () => schedBatchLoop(rt, copy, render, SCHED_N),
        dispose: () => rt.dispose(),
      };
    });
    record('scheduled pipeline, virtual clock, zero-byte jobs, copy->render on 2 rings, pushBatch with after', 'jobs/s', 2 * SCHED_N, s, { hot: true, goal: { wasm: 30e6 } });
  }
  {
    const s = await pair('sched push', async (backend) => {
      const { rt, copy, render } = await schedPipeline(backend);
      let hits = 0;
      const onFinished = (f) => {
        hits++;
        f.release();
      };
      return {
        fn: () => schedPushLoop(rt, copy, render, SCHED_N, onFinished),
        dispose: () => rt.dispose(),
      };
    });
    record('scheduled pipeline, ent.push, one dependency per job, a callback every 64th job', 'jobs/s', 2 * SCHED_N, s, { hot: true, goal: { wasm: 3e6 } });
  }
  {
    // The baseline: three rings (copy, compute, render), each job of a stage submitted by the
    // callback of the previous stage's fence; a ring that is full leaves the job in a JS queue that
    // the polling loop retries after each advance() of one job's duration.
    const N = CFG.baselineN;
    const s = await pair('hand-written', async (backend) => {
      const rt = await createRuntime({ backend, maxFences: 16384, maxRings: 4, maxRingCapacity: 256 });
      const dev = rt.createDevice({ latency: { baseNs: 1000 } });
      const rings = ['copy', 'compute', 'render'].map((name) => rt.createRing({ device: dev, capacity: 256, name }));
      const waiting = [0, 0, 0];
      let done = 0;
      const submit = (k) => {
        const f = rings[k].submit({});
        f.addCallback(() => {
          f.release();
          if (k === 2) done++;
          else {
            waiting[k + 1]++;
            drain(k + 1);
          }
        });
      };
      const drain = (k) => {
        while (waiting[k] > 0 && rings[k].space > 0) {
          waiting[k]--;
          submit(k);
        }
      };
      return {
        fn: () => {
          done = 0;
          waiting[0] = N;
          while (done < N) {
            drain(0);
            drain(1);
            drain(2);
            rt.sim.advance(1000);
          }
        },
        dispose: () => rt.dispose(),
      };
    });
    record('hand-written pipeline (baseline): 3 rings, one dependency per job, fence callbacks and advance() polling', 'jobs/s', 3 * N, s, { hot: true });
  }
}
