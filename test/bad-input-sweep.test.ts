/**
 * The bad-input sweep: every public function and every option, from one table. Each row calls one
 * member with one bad argument and expects a coded error (thrown, or the promise rejected), and
 * that nothing changed: the arena's bytes, the violations, the events, the clock.
 */
import { describe, expect, it } from 'vitest';
import { attachRuntime, createRuntime, DmaFence, runTeardown, runTeardownMatrix, teardownMatrixSvg } from '../bindings/index.js';
import type { DmaBuffer, DmaDevice, DriverFence, Entity, FenceContext, HwRing, JobQueue, Runtime, Scheduler, SwSyncTimeline, Syncobj } from '../bindings/index.js';
import { arenaSnapshot, BACKENDS, runtime } from './helpers.js';

interface World {
  rt: Runtime;
  other: Runtime;
  ctx: FenceContext;
  df: DriverFence;
  f: DmaFence;
  dev: DmaDevice;
  ring: HwRing;
  buf: DmaBuffer;
  sched: Scheduler;
  ent: Entity;
  jq: JobQueue;
  /** Composite fences (X, Y): a chain link, an array, a sw_sync timeline, a syncobj with point 1. */
  link: DmaFence;
  arr: DmaFence;
  tl: SwSyncTimeline;
  so: Syncobj;
}

async function world(backend: 'wasm' | 'ts'): Promise<World> {
  const rt = await runtime(backend, { maxFences: 64, dmaBytes: 1 << 12, maxRingCapacity: 16 });
  const other = await runtime(backend, { maxFences: 16, dmaBytes: 1 << 12 });
  const ctx = rt.createContext();
  const df = ctx.createFence();
  const dev = rt.createDevice();
  const ring = rt.createRing({ device: dev, capacity: 8 });
  const buf = rt.memory.alloc(256);
  const sched = rt.createScheduler({ ring, creditLimit: 4 });
  const ent = sched.createEntity();
  const jq = rt.createJobQueue({ ring: rt.createRing({ device: dev, capacity: 8 }), capacity: 4 });
  const link = rt.fenceChain(null, df.fence, 1);
  const arr = rt.fenceArray([df.fence]);
  const tl = rt.createSwSync({ name: 'sweep' });
  const so = rt.createSyncobj();
  so.addPoint(1, df.fence);
  return { rt, other, ctx, df, f: df.fence, dev, ring, buf, sched, ent, jq, link, arr, tl, so };
}

type Row = [api: string, call: (w: World) => unknown, code: string];

/** A plain object dressed as a handle: same fields, not issued by anybody. */
const forged = (of: object) => Object.assign(Object.create(Object.getPrototypeOf(of)), { ...of });

const ROWS: Row[] = [
  // ── createRuntime ──
  ['createRuntime(opts)', () => createRuntime(5 as never), 'ERR_INVALID_ARG'],
  ['createRuntime({ misspelled })', () => createRuntime({ maxFence: 8 } as never), 'ERR_INVALID_ARG'],
  ['createRuntime({ backend: null })', () => createRuntime({ backend: null } as never), 'ERR_INVALID_ARG'],
  ['createRuntime({ clock: null })', () => createRuntime({ clock: null } as never), 'ERR_INVALID_ARG'],
  ['createRuntime({ seed: 1.5 })', () => createRuntime({ seed: 1.5 }), 'ERR_INVALID_ARG'],
  ['createRuntime({ maxContexts: 0 })', () => createRuntime({ maxContexts: 0 }), 'ERR_INVALID_ARG'],
  ['createRuntime({ maxRings: -1 })', () => createRuntime({ maxRings: -1 }), 'ERR_INVALID_ARG'],
  ['createRuntime({ maxRingCapacity: 3 })', () => createRuntime({ maxRingCapacity: 3 }), 'ERR_INVALID_ARG'],
  ['createRuntime({ dmaBytes: 2 ** 31 })', () => createRuntime({ dmaBytes: 2 ** 31 }), 'ERR_CAPACITY'],
  ['createRuntime({ guarantee: "ring" })', () => createRuntime({ guarantee: 'ring' } as never), 'ERR_INVALID_ARG'],
  ['createRuntime({ trace: 1 })', () => createRuntime({ trace: 1 } as never), 'ERR_INVALID_ARG'],
  ['createRuntime({ wasm: bad bytes })', () => createRuntime({ wasm: new Uint8Array(8) }), 'ERR_WASM'],
  // ── composite fences (X1-X4) ──
  ['rt.fenceArray(non-array)', (w) => w.rt.fenceArray(w.f as never), 'ERR_INVALID_ARG'],
  ['rt.fenceArray([])', (w) => w.rt.fenceArray([]), 'ERR_INVALID_ARG'],
  ['rt.fenceArray([forged])', (w) => w.rt.fenceArray([forged(w.f)]), 'ERR_INVALID_ARG'],
  ['rt.fenceArray([foreign])', (w) => w.rt.fenceArray([w.other.stubFence()]), 'ERR_FOREIGN_HANDLE'],
  ['rt.fenceArray([array])', (w) => w.rt.fenceArray([w.f, w.arr]), 'ERR_INVALID_ARG'],
  ['rt.fenceArray([chain])', (w) => w.rt.fenceArray([w.link]), 'ERR_INVALID_ARG'],
  ['rt.fenceArray({ misspelled })', (w) => w.rt.fenceArray([w.f], { signalOnAll: true } as never), 'ERR_INVALID_ARG'],
  ['rt.fenceArray({ signalOnAny: 1 })', (w) => w.rt.fenceArray([w.f], { signalOnAny: 1 } as never), 'ERR_INVALID_ARG'],
  ['rt.fenceChain(5, f, 1)', (w) => w.rt.fenceChain(5 as never, w.f, 1), 'ERR_INVALID_ARG'],
  ['rt.fenceChain(null, forged, 1)', (w) => w.rt.fenceChain(null, forged(w.f), 1), 'ERR_INVALID_ARG'],
  ['rt.fenceChain(null, foreign, 1)', (w) => w.rt.fenceChain(null, w.other.stubFence(), 1), 'ERR_FOREIGN_HANDLE'],
  ['rt.fenceChain(null, chain, 2)', (w) => w.rt.fenceChain(null, w.link, 2), 'ERR_INVALID_ARG'],
  ['rt.fenceChain(null, f, -1)', (w) => w.rt.fenceChain(null, w.f, -1), 'ERR_INVALID_SEQNO'],
  ['rt.fenceChain(null, f, 1.5)', (w) => w.rt.fenceChain(null, w.f, 1.5), 'ERR_INVALID_SEQNO'],
  ['rt.chainFind(plain, 1)', (w) => w.rt.chainFind(w.f, 1), 'ERR_INVALID_SEQNO'],
  ['rt.chainFind(link, future)', (w) => w.rt.chainFind(w.link, 2), 'ERR_INVALID_SEQNO'],
  ['rt.chainFind(forged, 0)', (w) => w.rt.chainFind(forged(w.link), 0), 'ERR_INVALID_ARG'],
  ['rt.chainFind(link, "1")', (w) => w.rt.chainFind(w.link, '1' as never), 'ERR_INVALID_SEQNO'],
  ['rt.unwrap(forged)', (w) => w.rt.unwrap(forged(w.arr)), 'ERR_INVALID_ARG'],
  ['rt.unwrap(5)', (w) => w.rt.unwrap(5 as never), 'ERR_INVALID_ARG'],
  ['rt.merge()', (w) => w.rt.merge(), 'ERR_INVALID_ARG'],
  ['rt.merge(f, forged)', (w) => w.rt.merge(w.f, forged(w.f)), 'ERR_INVALID_ARG'],
  ['rt.merge(f, foreign)', (w) => w.rt.merge(w.f, w.other.stubFence()), 'ERR_FOREIGN_HANDLE'],
  ['rt.fenceInfo(null)', (w) => w.rt.fenceInfo(null as never), 'ERR_INVALID_ARG'],
  ['rt.createSwSync(5)', (w) => w.rt.createSwSync(5 as never), 'ERR_INVALID_ARG'],
  ['rt.createSwSync({ misspelled })', (w) => w.rt.createSwSync({ nmae: 'x' } as never), 'ERR_INVALID_ARG'],
  ['rt.createSwSync({ name: 5 })', (w) => w.rt.createSwSync({ name: 5 } as never), 'ERR_INVALID_ARG'],
  ['tl.createFence(-1)', (w) => w.tl.createFence(-1), 'ERR_INVALID_SEQNO'],
  ['tl.createFence(2 ** 32)', (w) => w.tl.createFence(2 ** 32), 'ERR_INVALID_SEQNO'],
  ['tl.inc(-1)', (w) => w.tl.inc(-1), 'ERR_INVALID_ARG'],
  ['tl.inc(1.5)', (w) => w.tl.inc(1.5), 'ERR_INVALID_ARG'],
  ['tl.deadline(not its point)', (w) => w.tl.deadline(w.f), 'ERR_INVALID_ARG'],
  // ── syncobj (Y1-Y8) ──
  ['rt.createSyncobj(5)', (w) => w.rt.createSyncobj(5 as never), 'ERR_INVALID_ARG'],
  ['rt.createSyncobj({ misspelled })', (w) => w.rt.createSyncobj({ signalled: true } as never), 'ERR_INVALID_ARG'],
  ['rt.createSyncobj({ signaled: 1 })', (w) => w.rt.createSyncobj({ signaled: 1 } as never), 'ERR_INVALID_ARG'],
  ['so.addPoint(-1, f)', (w) => w.so.addPoint(-1, w.f), 'ERR_INVALID_SEQNO'],
  ['so.addPoint(2, forged)', (w) => w.so.addPoint(2, forged(w.f)), 'ERR_INVALID_ARG'],
  ['so.addPoint(2, chain)', (w) => w.so.addPoint(2, w.link), 'ERR_INVALID_ARG'],
  ['so.replace(forged)', (w) => w.so.replace(forged(w.f)), 'ERR_INVALID_ARG'],
  ['so.replace(foreign)', (w) => w.so.replace(w.other.stubFence()), 'ERR_FOREIGN_HANDLE'],
  ['so.find(unsubmitted)', (w) => w.so.find(2), 'ERR_INVALID_SEQNO'],
  ['so.find(-1)', (w) => w.so.find(-1), 'ERR_INVALID_SEQNO'],
  ['so.query({ misspelled })', (w) => w.so.query({ last: true } as never), 'ERR_INVALID_ARG'],
  ['so.query({ lastSubmitted: 1 })', (w) => w.so.query({ lastSubmitted: 1 } as never), 'ERR_INVALID_ARG'],
  ['so.transfer(not a syncobj)', (w) => w.so.transfer({} as never, 1, 1), 'ERR_INVALID_ARG'],
  ['so.transfer(forged)', (w) => w.so.transfer(forged(w.so), 1, 1), 'ERR_INVALID_ARG'],
  ['so.transfer(foreign)', (w) => w.so.transfer(w.other.createSyncobj(), 1, 1), 'ERR_FOREIGN_HANDLE'],
  ['so.transfer(unsubmitted src)', (w) => w.so.transfer(w.so, 5, 3), 'ERR_INVALID_SEQNO'],
  ['rt.syncobjWait(non-array)', (w) => w.rt.syncobjWait(5 as never), 'ERR_INVALID_ARG'],
  ['rt.syncobjWait([])', (w) => w.rt.syncobjWait([]), 'ERR_INVALID_ARG'],
  ['rt.syncobjWait([{ syncobj: {} }])', (w) => w.rt.syncobjWait([{ syncobj: {} as never, point: 1 }]), 'ERR_INVALID_ARG'],
  ['rt.syncobjWait([{ syncobj: forged }])', (w) => w.rt.syncobjWait([{ syncobj: forged(w.so), point: 1 }]), 'ERR_INVALID_ARG'],
  ['rt.syncobjWait([{ misspelled }])', (w) => w.rt.syncobjWait([{ syncobj: w.so, point: 1, pt: 1 } as never]), 'ERR_INVALID_ARG'],
  ['rt.syncobjWait([{ point: -1 }])', (w) => w.rt.syncobjWait([{ syncobj: w.so, point: -1 }]), 'ERR_INVALID_SEQNO'],
  ['rt.syncobjWait(unsubmitted)', (w) => w.rt.syncobjWait([{ syncobj: w.so, point: 2 }]), 'ERR_INVALID_SEQNO'],
  ['rt.syncobjWait({ misspelled })', (w) => w.rt.syncobjWait([{ syncobj: w.so, point: 1 }], { waitForSubmission: true } as never), 'ERR_INVALID_ARG'],
  ['rt.syncobjWait({ timeoutNs: -1 })', (w) => w.rt.syncobjWait([{ syncobj: w.so, point: 1 }], { timeoutNs: -1 }), 'ERR_INVALID_TIMEOUT'],
  ['rt.syncobjWait({ all: 1 })', (w) => w.rt.syncobjWait([{ syncobj: w.so, point: 1 }], { all: 1 } as never), 'ERR_INVALID_ARG'],
  ['rt.syncobjWait({ signal: {} })', (w) => w.rt.syncobjWait([{ syncobj: w.so, point: 1 }], { signal: {} as never }), 'ERR_INVALID_ARG'],
  ['rt.syncobjWait(foreign)', (w) => w.rt.syncobjWait([{ syncobj: w.other.createSyncobj(), point: 0 }]), 'ERR_FOREIGN_HANDLE'],
  // ── Runtime ──
  ['rt.createContext(5)', (w) => w.rt.createContext(5 as never), 'ERR_INVALID_ARG'],
  ['rt.createContext({ misspelled })', (w) => w.rt.createContext({ startseqno: 1 } as never), 'ERR_INVALID_ARG'],
  ['rt.createContext({ timelineName: 5 })', (w) => w.rt.createContext({ timelineName: 5 } as never), 'ERR_INVALID_ARG'],
  ['rt.createContext({ signaled: 5 })', (w) => w.rt.createContext({ signaled: 5 } as never), 'ERR_INVALID_ARG'],
  ['rt.createContext({ setDeadline: {} })', (w) => w.rt.createContext({ setDeadline: {} } as never), 'ERR_INVALID_ARG'],
  ['rt.allocContextIds(0)', (w) => w.rt.allocContextIds(0), 'ERR_INVALID_ARG'],
  ['rt.allocContextIds("2")', (w) => w.rt.allocContextIds('2' as never), 'ERR_INVALID_ARG'],
  ['rt.waitAny(non-array)', (w) => w.rt.waitAny(w.f as never), 'ERR_INVALID_ARG'],
  ['rt.waitAny([])', (w) => w.rt.waitAny([]), 'ERR_INVALID_ARG'],
  ['rt.waitAny(holes)', (w) => w.rt.waitAny(new Array(2) as never), 'ERR_INVALID_ARG'],
  ['rt.waitAny(forged)', (w) => w.rt.waitAny([forged(w.f)]), 'ERR_INVALID_ARG'],
  ['rt.waitAny(foreign)', (w) => w.rt.waitAny([w.other.stubFence()]), 'ERR_FOREIGN_HANDLE'],
  ['rt.waitAny({ misspelled })', (w) => w.rt.waitAny([w.f], { timeout: 1 } as never), 'ERR_INVALID_ARG'],
  ['rt.waitAny({ timeoutNs: -1 })', (w) => w.rt.waitAny([w.f], { timeoutNs: -1 }), 'ERR_INVALID_TIMEOUT'],
  ['rt.waitAny({ signal: {} })', (w) => w.rt.waitAny([w.f], { signal: {} as never }), 'ERR_INVALID_ARG'],
  ['rt.createDevice(5)', (w) => w.rt.createDevice(5 as never), 'ERR_INVALID_ARG'],
  ['rt.createDevice({ stopable })', (w) => w.rt.createDevice({ stopable: false } as never), 'ERR_INVALID_ARG'],
  ['rt.createDevice({ latency: { base } })', (w) => w.rt.createDevice({ latency: { base: 5 } } as never), 'ERR_INVALID_ARG'],
  ['rt.createDevice({ faults: { hangs } })', (w) => w.rt.createDevice({ faults: { hangs: 0.1 } } as never), 'ERR_INVALID_ARG'],
  ['rt.createDevice({ faults: { ack: null } })', (w) => w.rt.createDevice({ faults: { ack: null } } as never), 'ERR_INVALID_ARG'],
  ['rt.createDevice({ stoppable: null })', (w) => w.rt.createDevice({ stoppable: null } as never), 'ERR_INVALID_ARG'],
  ['rt.createDevice({ resetNs: -1 })', (w) => w.rt.createDevice({ resetNs: -1 }), 'ERR_INVALID_ARG'],
  ['rt.createDevice({ latency: { jitter: 2 } })', (w) => w.rt.createDevice({ latency: { jitter: 2 } }), 'ERR_INVALID_ARG'],
  ['rt.createRing()', (w) => w.rt.createRing(undefined as never), 'ERR_INVALID_ARG'],
  ['rt.createRing({ device: forged })', (w) => w.rt.createRing({ device: forged(w.dev) }), 'ERR_INVALID_ARG'],
  ['rt.createRing({ device: foreign })', (w) => w.rt.createRing({ device: w.other.createDevice() }), 'ERR_FOREIGN_HANDLE'],
  ['rt.createRing({ misspelled })', (w) => w.rt.createRing({ device: w.dev, timeout: 5 } as never), 'ERR_INVALID_ARG'],
  ['rt.createRing({ capacity: 6 })', (w) => w.rt.createRing({ device: w.dev, capacity: 6 }), 'ERR_INVALID_ARG'],
  ['rt.createRing({ capacity: 32 })', (w) => w.rt.createRing({ device: w.dev, capacity: 32 }), 'ERR_CAPACITY'],
  ['rt.createRing({ timeoutNs: NaN })', (w) => w.rt.createRing({ device: w.dev, timeoutNs: NaN }), 'ERR_INVALID_TIMEOUT'],
  ['rt.createRing({ stopTimeoutNs: Infinity })', (w) => w.rt.createRing({ device: w.dev, stopTimeoutNs: Infinity }), 'ERR_INVALID_ARG'],
  ['rt.createRing({ resubmit: 1 })', (w) => w.rt.createRing({ device: w.dev, resubmit: 1 } as never), 'ERR_INVALID_ARG'],
  ['rt.unloadDriver(5)', (w) => w.rt.unloadDriver(5 as never), 'ERR_INVALID_ARG'],
  ['rt.unloadDriver(unknown)', (w) => w.rt.unloadDriver('nobody'), 'ERR_INVALID_ARG'],
  ['rt.unloadDriver(busy)', (w) => w.rt.unloadDriver('dmafence'), 'ERR_DRIVER_BUSY'],
  ['rt.unloadDriver({ force: "x" })', (w) => w.rt.unloadDriver('dmafence', { force: 'x' } as never), 'ERR_INVALID_ARG'],
  ['rt.unloadDriver({ misspelled })', (w) => w.rt.unloadDriver('dmafence', { grace: 1 } as never), 'ERR_INVALID_ARG'],
  ['rt.unloadDriver({ graceNs: -1 })', (w) => w.rt.unloadDriver('dmafence', { graceNs: -1 }), 'ERR_INVALID_TIMEOUT'],
  ['rt.on(unknown event)', (w) => w.rt.on('error' as 'callbackError', () => {}), 'ERR_INVALID_ARG'],
  ['rt.on(no function)', (w) => w.rt.on('callbackError', null as never), 'ERR_INVALID_ARG'],
  ['rt.off(unknown event)', (w) => w.rt.off('error' as 'callbackError', () => {}), 'ERR_INVALID_ARG'],
  // ── FenceContext ──
  ['ctx.createFences(0)', (w) => w.ctx.createFences(0), 'ERR_INVALID_ARG'],
  ['ctx.createFences(1e9)', (w) => w.ctx.createFences(1e9), 'ERR_CAPACITY'],
  ['ctx.signalUpTo(-1)', (w) => w.ctx.signalUpTo(-1), 'ERR_INVALID_SEQNO'],
  ['ctx.signalUpTo(1, { misspelled })', (w) => w.ctx.signalUpTo(1, { errno: -5 } as never), 'ERR_INVALID_ARG'],
  ['ctx.signalUpTo(1, { error: 5 })', (w) => w.ctx.signalUpTo(1, { error: 5 }), 'ERR_INVALID_ERRNO'],
  ['ctx.findFence(0.5)', (w) => w.ctx.findFence(0.5), 'ERR_INVALID_SEQNO'],
  ['ring context createFence', (w) => w.ring.context.createFence(), 'ERR_INVALID_ARG'],
  // ── DriverFence / DmaFence ──
  ['df.setError(0)', (w) => w.df.setError(0), 'ERR_INVALID_ERRNO'],
  ['df.setError(-4096)', (w) => w.df.setError(-4096), 'ERR_INVALID_ERRNO'],
  ['df.setError("-5")', (w) => w.df.setError('-5' as never), 'ERR_INVALID_ERRNO'],
  ['df.signal({ misspelled })', (w) => w.df.signal({ timestampNs: 1 } as never), 'ERR_INVALID_ARG'],
  ['df.signal({ timestamp: NaN })', (w) => w.df.signal({ timestamp: NaN }), 'ERR_INVALID_ARG'],
  ['f.addCallback(5)', (w) => w.f.addCallback(5 as never), 'ERR_INVALID_ARG'],
  ['f.wait({ misspelled })', (w) => w.f.wait({ timeout: 1 } as never), 'ERR_INVALID_ARG'],
  ['f.wait({ timeoutNs: NaN })', (w) => w.f.wait({ timeoutNs: NaN }), 'ERR_INVALID_TIMEOUT'],
  ['f.wait({ signal: 5 })', (w) => w.f.wait({ signal: 5 as never }), 'ERR_INVALID_ARG'],
  ['f.setDeadline(-1)', (w) => w.f.setDeadline(-1), 'ERR_INVALID_TIMEOUT'],
  ['DmaFence.isLater(forged)', (w) => DmaFence.isLater(w.f, forged(w.f)), 'ERR_INVALID_ARG'],
  ['DmaFence.isLater(foreign)', (w) => DmaFence.isLater(w.f, w.other.stubFence()), 'ERR_FOREIGN_HANDLE'],
  ['DmaFence.later(5)', (w) => DmaFence.later(w.f, 5 as never), 'ERR_INVALID_ARG'],
  ['DmaFence.isLaterSeqno(NaN)', () => DmaFence.isLaterSeqno(NaN, 1), 'ERR_INVALID_SEQNO'],
  // ── clock ──
  ['sim.advance(-1)', (w) => w.rt.sim.advance(-1), 'ERR_INVALID_TIMEOUT'],
  ['sim.advance(Infinity)', (w) => w.rt.sim.advance(Infinity), 'ERR_INVALID_TIMEOUT'],
  ['sim.runUntil("5")', (w) => w.rt.sim.runUntil('5' as never), 'ERR_INVALID_TIMEOUT'],
  ['sim.schedule(NaN)', (w) => w.rt.sim.schedule(NaN, () => {}), 'ERR_INVALID_TIMEOUT'],
  ['sim.schedule(1, 5)', (w) => w.rt.sim.schedule(1, 5 as never), 'ERR_INVALID_ARG'],
  ['sim.runUntilSettled(5)', (w) => w.rt.sim.runUntilSettled(5 as never), 'ERR_INVALID_ARG'],
  // ── device ──
  ['dev.inject("hung")', (w) => w.dev.inject('hung' as never), 'ERR_INVALID_ARG'],
  ['dev.inject(null)', (w) => w.dev.inject(null as never), 'ERR_INVALID_ARG'],
  ['dev.inject("lostWriteBack")', (w) => w.dev.inject('lostWriteBack' as never), 'ERR_INVALID_ARG'],
  ['createDevice({ stopMode: "pause" })', (w) => w.rt.createDevice({ stopMode: 'pause' } as never), 'ERR_INVALID_ARG'],
  ['createDevice({ writesAfterAckNs: -1 })', (w) => w.rt.createDevice({ writesAfterAckNs: -1 }), 'ERR_INVALID_ARG'],
  ['createDevice({ resetOverrunNs: NaN })', (w) => w.rt.createDevice({ resetOverrunNs: NaN }), 'ERR_INVALID_ARG'],
  ['createDevice({ faults: { lostWriteback: 1.5 } })', (w) => w.rt.createDevice({ faults: { lostWriteback: 1.5 } }), 'ERR_INVALID_ARG'],
  // ── ring ──
  ['ring.submit(5)', (w) => w.ring.submit(5 as never), 'ERR_INVALID_ARG'],
  ['ring.submit({ misspelled })', (w) => w.ring.submit({ dest: w.buf } as never), 'ERR_INVALID_ARG'],
  ['ring.submit({ dst: forged })', (w) => w.ring.submit({ dst: forged(w.buf) }), 'ERR_INVALID_ARG'],
  ['ring.submit({ dst: plain object })', (w) => w.ring.submit({ dst: { offset: 0, size: 64, id: 1 } as never }), 'ERR_INVALID_ARG'],
  ['ring.submit({ dst: foreign })', (w) => w.ring.submit({ dst: w.other.memory.alloc(64) }), 'ERR_FOREIGN_HANDLE'],
  ['ring.submit({ offset: -1 })', (w) => w.ring.submit({ dst: w.buf, offset: -1 }), 'ERR_INVALID_ARG'],
  ['ring.submit({ offset: past end })', (w) => w.ring.submit({ dst: w.buf, offset: 257 }), 'ERR_INVALID_ARG'],
  ['ring.submit({ bytes: too many })', (w) => w.ring.submit({ dst: w.buf, bytes: 257 }), 'ERR_INVALID_ARG'],
  ['ring.submit({ bytes without dst })', (w) => w.ring.submit({ bytes: 5 }), 'ERR_INVALID_ARG'],
  ['ring.submit({ pattern: 256 })', (w) => w.ring.submit({ pattern: 256 }), 'ERR_INVALID_ARG'],
  ['ring.submitBatch(0)', (w) => w.ring.submitBatch(0, {}), 'ERR_INVALID_ARG'],
  ['ring.submitBatch(n > capacity)', (w) => w.ring.submitBatch(9, {}), 'ERR_INVALID_ARG'],
  ['ring.submitBatch(1, { misspelled })', (w) => w.ring.submitBatch(1, { patern: 1 } as never), 'ERR_INVALID_ARG'],
  ['ring.submitAsync(5)', (w) => w.ring.submitAsync(5 as never), 'ERR_INVALID_ARG'],
  ['ring.drop({ polcy })', (w) => w.ring.drop({ polcy: 'leak' } as never), 'ERR_INVALID_ARG'],
  ['ring.drop({ policy: null })', (w) => w.ring.drop({ policy: null } as never), 'ERR_INVALID_ARG'],
  ['ring.drop({ policy: "nope" })', (w) => w.ring.drop({ policy: 'nope' } as never), 'ERR_INVALID_ARG'],
  ['ring.drop({ policy: 42 })', (w) => w.ring.drop({ policy: 42 } as never), 'ERR_INVALID_ARG'],
  ['ring.injectDriverBug() with nothing in flight', (w) => w.ring.injectDriverBug(), 'ERR_RING_STATE'],
  ['ring.injectDriverBug({ seqno: "1" })', (w) => w.ring.injectDriverBug({ seqno: '1' } as never), 'ERR_INVALID_SEQNO'],
  ['ring.injectDriverBug({ misspelled })', (w) => w.ring.injectDriverBug({ seq: 1 } as never), 'ERR_INVALID_ARG'],
  ['ring.restart() while running', (w) => w.ring.restart(), 'ERR_RING_STATE'],
  ['ring.submitAsync({}, { misspelled })', (w) => w.ring.submitAsync({}, { signl: undefined } as never), 'ERR_INVALID_ARG'],
  ['ring.submitAsync({}, { signal: 5 })', (w) => w.ring.submitAsync({}, { signal: 5 } as never), 'ERR_INVALID_ARG'],
  ['ring.submitAsync({}, { signal: aborted })', (w) => w.ring.submitAsync({}, { signal: AbortSignal.abort() }), 'ABORT'],
  ['ring.stop({ misspelled })', (w) => w.ring.stop({ timeoutNs: 1 } as never), 'ERR_INVALID_ARG'],
  ['ring.stop({ signal: aborted })', (w) => w.ring.stop({ signal: AbortSignal.abort() }), 'ABORT'],
  ['ring.reset({ signal: {} })', (w) => w.ring.reset({ signal: {} } as never), 'ERR_INVALID_ARG'],
  ['ring.reset({ signal: aborted })', (w) => w.ring.reset({ signal: AbortSignal.abort() }), 'ABORT'],
  ['ring.drop({ signal: aborted })', (w) => w.ring.drop({ signal: AbortSignal.abort() }), 'ABORT'],
  ['f.wait({ signal: aborted })', (w) => w.f.wait({ signal: AbortSignal.abort() }), 'ABORT'],
  ['rt.waitAny({ signal: aborted })', (w) => w.rt.waitAny([w.f], { signal: AbortSignal.abort() }), 'ABORT'],
  ['rt.unloadDriver({ signal: aborted })', (w) => w.rt.unloadDriver(w.dev.name, { signal: AbortSignal.abort() }), 'ABORT'],
  // ── memory ──
  ['mem.alloc(0)', (w) => w.rt.memory.alloc(0), 'ERR_INVALID_ARG'],
  ['mem.alloc(too big)', (w) => w.rt.memory.alloc(1 << 13), 'ERR_INVALID_ARG'],
  ['mem.alloc(1.5)', (w) => w.rt.memory.alloc(1.5), 'ERR_INVALID_ARG'],
  ['mem.free(forged)', (w) => w.rt.memory.free(forged(w.buf)), 'ERR_INVALID_ARG'],
  ['mem.free(foreign)', (w) => w.rt.memory.free(w.other.memory.alloc(64)), 'ERR_FOREIGN_HANDLE'],
  ['mem.freeAfter(buf, 5)', (w) => w.rt.memory.freeAfter(w.buf, 5 as never), 'ERR_INVALID_ARG'],
  ['mem.freeAfter(buf, foreign)', (w) => w.rt.memory.freeAfter(w.buf, w.other.stubFence()), 'ERR_FOREIGN_HANDLE'],
  // ── cross-thread ──
  ['attachRuntime(5)', () => attachRuntime(5 as never), 'ERR_INVALID_ARG'],
  ['attachRuntime({ misspelled })', (w) => attachRuntime({ ...w.rt.share(), extra: 1 } as never), 'ERR_INVALID_ARG'],
  ['attachRuntime(another runtime id)', (w) => attachRuntime({ ...w.rt.share(), runtime: 1 } as never), 'ERR_FOREIGN_HANDLE'],
  ['view.fence(5)', (w) => attachRuntime(w.rt.share()).fence(5 as never), 'ERR_INVALID_ARG'],
  ['view.fence(never-issued seqno)', (w) => attachRuntime(w.rt.share()).fence({ ...w.f.share({ hold: false }), seqno: 99 }), 'ERR_INVALID_ARG'],
  ['view.fence(another runtime)', (w) => attachRuntime(w.rt.share()).fence(w.other.createContext().createFence().fence.share()), 'ERR_FOREIGN_HANDLE'],
  ['remote.wait({ misspelled })', (w) => attachRuntime(w.rt.share()).fence(w.f.share({ hold: false })).wait({ timeout: 1 } as never), 'ERR_INVALID_ARG'],
  ['remote.addCallback(5)', (w) => attachRuntime(w.rt.share()).fence(w.f.share({ hold: false })).addCallback(5 as never), 'ERR_INVALID_ARG'],
  ['f.share(5)', (w) => w.f.share(5 as never), 'ERR_INVALID_ARG'],
  ['f.share({ misspelled })', (w) => w.f.share({ hld: true } as never), 'ERR_INVALID_ARG'],
  ['f.share({ hold: 1 })', (w) => w.f.share({ hold: 1 } as never), 'ERR_INVALID_ARG'],
  ['f.share({ hold: "false" })', (w) => w.f.share({ hold: 'false' } as never), 'ERR_INVALID_ARG'],
  ['view.fence({ hold: "x" })', (w) => attachRuntime(w.rt.share()).fence({ ...w.f.share({ hold: false }), hold: 'x' } as never), 'ERR_INVALID_ARG'],
  ['view.fence({ hold: -1 })', (w) => attachRuntime(w.rt.share()).fence({ ...w.f.share({ hold: false }), hold: -1 }), 'ERR_INVALID_ARG'],
  ['remote.release() after the view is disposed', (w) => {
    const view = attachRuntime(w.rt.share());
    const f = view.fence(w.f.share({ hold: false }));
    view.dispose();
    return f.release();
  }, 'ERR_DISPOSED'],
  ['remote.waitSync({ misspelled })', (w) => attachRuntime(w.rt.share()).fence(w.f.share({ hold: false })).waitSync({ timeout: 1 } as never), 'ERR_INVALID_ARG'],
  ['remote.waitSync({ timeoutNs: -1 })', (w) => attachRuntime(w.rt.share()).fence(w.f.share({ hold: false })).waitSync({ timeoutNs: -1 }), 'ERR_INVALID_TIMEOUT'],
  ['attachRuntime(h, 5)', (w) => attachRuntime(w.rt.share(), 5 as never), 'ERR_INVALID_ARG'],
  ['attachRuntime(h, { misspelled })', (w) => attachRuntime(w.rt.share(), { backnd: 'ts' } as never), 'ERR_INVALID_ARG'],
  ['attachRuntime(h, { backend: "x" })', (w) => attachRuntime(w.rt.share(), { backend: 'x' } as never), 'ERR_INVALID_ARG'],
  ['attachRuntime({ wasm: 5 })', (w) => attachRuntime({ ...w.rt.share(), wasm: 5 } as never), 'ERR_INVALID_ARG'],
  ['art.createContext(5)', (w) => attachRuntime(w.rt.share()).createContext(5 as never), 'ERR_INVALID_ARG'],
  ['art.createContext({ misspelled })', (w) => attachRuntime(w.rt.share()).createContext({ timelinName: 'x' } as never), 'ERR_INVALID_ARG'],
  ['art.createContext({ startSeqno: -1 })', (w) => attachRuntime(w.rt.share()).createContext({ startSeqno: -1 }), 'ERR_INVALID_SEQNO'],
  ['art.createContext() with no wasm module, backend wasm', (w) => attachRuntime({ ...w.rt.share(), wasm: null }, { backend: 'wasm' }).createContext(), 'ERR_WASM'],
  ['art.createContext() after art.dispose()', (w) => {
    const art = attachRuntime(w.rt.share());
    art.dispose();
    return art.createContext();
  }, 'ERR_DISPOSED'],
  ['art.on("x", fn)', (w) => attachRuntime(w.rt.share()).on('x' as never, () => {}), 'ERR_INVALID_ARG'],
  ['art.on("callbackError", 5)', (w) => attachRuntime(w.rt.share()).on('callbackError', 5 as never), 'ERR_INVALID_ARG'],
  ['art.off("callbackError", 5)', (w) => attachRuntime(w.rt.share()).off('callbackError', 5 as never), 'ERR_INVALID_ARG'],
  ['createRuntime({ maxEmitterThreads: 65 })', () => createRuntime({ maxEmitterThreads: 65 }), 'ERR_INVALID_ARG'],
  ['createRuntime({ maxEmitterThreads: "2" })', () => createRuntime({ maxEmitterThreads: '2' } as never), 'ERR_INVALID_ARG'],
  ['createRuntime({ emitterFences: 0 })', () => createRuntime({ emitterFences: 0 }), 'ERR_INVALID_ARG'],
  // ── teardown scenario ──
  ['runTeardown({ misspelled })', () => runTeardown({ job: 5 } as never), 'ERR_INVALID_ARG'],
  ['runTeardown({ guarantee: null })', () => runTeardown({ guarantee: null } as never), 'ERR_INVALID_ARG'],
  ['runTeardown({ device: { name } with a bad option })', () => runTeardown({ device: { name: 'd', ackNs: -1 } }), 'ERR_INVALID_ARG'],
  ['runTeardownMatrix({ policies: [{ name, policy: 5 }] })', () => runTeardownMatrix({ policies: [{ name: 'p', policy: 5 } as never] }), 'ERR_INVALID_ARG'],
  ['runTeardownMatrix({ guarantees: [] })', () => runTeardownMatrix({ guarantees: [] }), 'ERR_INVALID_ARG'],
  ['runTeardownMatrix({ maxFences: too few })', () => runTeardownMatrix({ jobs: 1000, maxFences: 10 }), 'ERR_CAPACITY'],
  ['runTeardownMatrix(opts, 5)', () => runTeardownMatrix({}, 5 as never), 'ERR_INVALID_ARG'],
  ['teardownMatrixSvg(null, title)', () => teardownMatrixSvg(null as never, 't'), 'ERR_INVALID_ARG'],
  ['teardownMatrixSvg(rows, 5)', () => teardownMatrixSvg([], 5 as never), 'ERR_INVALID_ARG'],
  ['teardownMatrixSvg(rows, title, 5)', () => teardownMatrixSvg([], 't', 5 as never), 'ERR_INVALID_ARG'],
  ['teardownMatrixSvg([null])', () => teardownMatrixSvg([null as never], 't'), 'ERR_INVALID_ARG'],
  ['teardownMatrixSvg([{ device: 5 }])', () => teardownMatrixSvg([{ device: 5, policy: 'p', corruptions: 0, unsignaled: 0 } as never], 't'), 'ERR_INVALID_ARG'],
  ['teardownMatrixSvg([{ corruptions: -1 }])', () => teardownMatrixSvg([{ device: 'd', policy: 'p', corruptions: -1, unsignaled: 0 }], 't'), 'ERR_INVALID_ARG'],
  ['teardownMatrixSvg([{ unsignaled: "1" }])', () => teardownMatrixSvg([{ device: 'd', policy: 'p', corruptions: 0, unsignaled: '1' } as never], 't'), 'ERR_INVALID_ARG'],
  ['teardownMatrixSvg([{ deadlock: 1 }])', () => teardownMatrixSvg([{ device: 'd', policy: 'p', corruptions: 0, unsignaled: 0, deadlock: 1 } as never], 't'), 'ERR_INVALID_ARG'],
  // ── scheduler and job queue (S, Q) ──
  ['createRuntime({ maxJobs: -1 })', () => createRuntime({ maxJobs: -1 }), 'ERR_INVALID_ARG'],
  ['createRuntime({ maxSchedulers: 1.5 })', () => createRuntime({ maxSchedulers: 1.5 }), 'ERR_INVALID_ARG'],
  ['createRuntime({ maxEntities: "4" })', () => createRuntime({ maxEntities: '4' } as never), 'ERR_INVALID_ARG'],
  ['rt.createScheduler(5)', (w) => w.rt.createScheduler(5 as never), 'ERR_INVALID_ARG'],
  ['rt.createScheduler({})', (w) => w.rt.createScheduler({} as never), 'ERR_INVALID_ARG'],
  ['rt.createScheduler({ ring: forged })', (w) => w.rt.createScheduler({ ring: forged(w.ring) }), 'ERR_INVALID_ARG'],
  ['rt.createScheduler({ ring: foreign })', (w) => w.rt.createScheduler({ ring: w.other.createRing({ device: w.other.createDevice() }) }), 'ERR_FOREIGN_HANDLE'],
  ['rt.createScheduler({ misspelled })', (w) => w.rt.createScheduler({ ring: w.ring, creditlimit: 2 } as never), 'ERR_INVALID_ARG'],
  ['rt.createScheduler({ creditLimit: 0 })', (w) => w.rt.createScheduler({ ring: w.ring, creditLimit: 0 }), 'ERR_INVALID_ARG'],
  ['rt.createScheduler({ timeoutNs: NaN })', (w) => w.rt.createScheduler({ ring: w.ring, timeoutNs: NaN }), 'ERR_INVALID_TIMEOUT'],
  ['rt.createScheduler({ hangLimit: 0 })', (w) => w.rt.createScheduler({ ring: w.ring, hangLimit: 0 }), 'ERR_INVALID_ARG'],
  ['rt.createScheduler({ order: null })', (w) => w.rt.createScheduler({ ring: w.ring, order: null } as never), 'ERR_INVALID_ARG'],
  ['rt.createScheduler({ name: 5 })', (w) => w.rt.createScheduler({ ring: w.ring, name: 5 } as never), 'ERR_INVALID_ARG'],
  ['rt.createScheduler(ring taken)', (w) => w.rt.createScheduler({ ring: w.ring }), 'ERR_INVALID_ARG'],
  ['rt.createJobQueue({ capacity: 0 })', (w) => w.rt.createJobQueue({ ring: w.ring, capacity: 0 }), 'ERR_INVALID_ARG'],
  ['rt.createJobQueue({ ring: forged })', (w) => w.rt.createJobQueue({ ring: forged(w.ring) }), 'ERR_INVALID_ARG'],
  ['rt.createJobQueue({ misspelled })', (w) => w.rt.createJobQueue({ ring: w.ring, capcity: 2 } as never), 'ERR_INVALID_ARG'],
  ['sched.createEntity({ priority: x })', (w) => w.sched.createEntity({ priority: 'urgent' as never }), 'ERR_INVALID_ARG'],
  ['sched.createEntity(5)', (w) => w.sched.createEntity(5 as never), 'ERR_INVALID_ARG'],
  ['ent.push(5)', (w) => w.ent.push(5 as never), 'ERR_INVALID_ARG'],
  ['ent.push({ credits: 0 })', (w) => w.ent.push({ credits: 0 }), 'ERR_INVALID_ARG'],
  ['ent.push({ credits: null })', (w) => w.ent.push({ credits: null } as never), 'ERR_INVALID_ARG'],
  ['ent.push({ misspelled })', (w) => w.ent.push({ dep: [] } as never), 'ERR_INVALID_ARG'],
  ['ent.push({ deps: 5 })', (w) => w.ent.push({ deps: 5 as never }), 'ERR_INVALID_ARG'],
  ['ent.push({ deps: [forged] })', (w) => w.ent.push({ deps: [forged(w.f)] }), 'ERR_INVALID_ARG'],
  ['ent.push({ deps: [foreign] })', (w) => w.ent.push({ deps: [w.other.stubFence()] }), 'ERR_FOREIGN_HANDLE'],
  ['ent.push({ dst: forged })', (w) => w.ent.push({ dst: forged(w.buf) }), 'ERR_INVALID_ARG'],
  ['ent.push({ bytes: too many })', (w) => w.ent.push({ dst: w.buf, bytes: 257 }), 'ERR_INVALID_ARG'],
  ['ent.pushBatch(0)', (w) => w.ent.pushBatch(0, {}), 'ERR_INVALID_ARG'],
  ['ent.pushBatch(1, { deps })', (w) => w.ent.pushBatch(1, { deps: [] } as never), 'ERR_INVALID_ARG'],
  ['ent.pushBatch(1, { after: 5 })', (w) => w.ent.pushBatch(1, { after: 5 as never }), 'ERR_INVALID_ARG'],
  ['ent.pushBatch(1, { after: unknown context })', (w) => w.ent.pushBatch(1, { after: { context: 987654, firstSeqno: 1 } }), 'ERR_INVALID_ARG'],
  ['ent.pushBatch(1, { after: { firstSeqno: 1.5 } })', (w) => w.ent.pushBatch(1, { after: { context: w.ctx.id, firstSeqno: 1.5 } }), 'ERR_INVALID_SEQNO'],
  ['ent.pushBatch(1, { after: { misspelled } })', (w) => w.ent.pushBatch(1, { after: { ctx: w.ctx.id, firstSeqno: 1 } } as never), 'ERR_INVALID_ARG'],
  ['ent.flush({ timeoutNs: -1 })', (w) => w.ent.flush({ timeoutNs: -1 }), 'ERR_INVALID_TIMEOUT'],
  ['ent.flush({ misspelled })', (w) => w.ent.flush({ timeout: 1 } as never), 'ERR_INVALID_ARG'],
  ['ent.flush(5)', (w) => w.ent.flush(5 as never), 'ERR_INVALID_ARG'],
  ['jq.submit(5)', (w) => w.jq.submit(5 as never), 'ERR_INVALID_ARG'],
  ['jq.submit({ cost: -1 })', (w) => w.jq.submit({ cost: -1 }), 'ERR_INVALID_ARG'],
  ['jq.submit({ cost: above capacity })', (w) => w.jq.submit({ cost: 5 }), 'ERR_INVALID_ARG'],
  ['jq.submit({ credits })', (w) => w.jq.submit({ credits: 1 } as never), 'ERR_INVALID_ARG'],
  ['jq.submit({ deps: [forged] })', (w) => w.jq.submit({ deps: [forged(w.f)] }), 'ERR_INVALID_ARG'],
];

async function codeOfCall(fn: () => unknown): Promise<string | undefined> {
  try {
    const r = fn();
    if (r && typeof (r as Promise<unknown>).then === 'function') await r;
  } catch (e) {
    // An aborted signal rejects with its reason (a DOMException named AbortError), by design.
    if (e instanceof DOMException && e.name === 'AbortError') return 'ABORT';
    return (e as { code?: string }).code ?? `uncoded ${(e as Error).name}: ${(e as Error).message}`;
  }
  return undefined;
}

function observable(w: World) {
  return {
    arena: arenaSnapshot(w.rt),
    violations: w.rt.violations.length,
    events: w.rt.events.length,
    now: w.rt.sim.now,
    corruptions: w.rt.memory.corruptions.length,
    ring: w.ring.state,
    buf: w.buf.freed,
  };
}

describe.each(BACKENDS)('bad-input sweep (%s)', (backend) => {
  it.each(ROWS)('%s: coded error, nothing changes', async (_api, call, code) => {
    const w = await world(backend);
    const before = observable(w);
    expect(await codeOfCall(() => call(w))).toBe(code);
    const after = observable(w);
    expect(after.arena.equals(before.arena), 'arena bytes unchanged').toBe(true);
    expect({ ...after, arena: 0 }).toEqual({ ...before, arena: 0 });
    await w.rt.dispose();
    await w.other.dispose();
  });
});
