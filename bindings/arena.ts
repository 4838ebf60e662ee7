/**
 * The arena: one WebAssembly.Memory holding every piece of shared state, laid out as
 * core/layout.ts draws it. This class sizes and initializes it (cold path, shared by both
 * backends) and gives the bindings typed views to read fence and context words directly, so a
 * read never crosses into the core. Mutations of fence state go through the Core.
 *
 * Contract: the thread that created the arena is its driver thread; other threads that attach
 * get read-only use of the fence region and write only their own remote waiter entries (see
 * DESIGN: ownership of each word in layout.ts).
 */
import * as L from './core/layout.js';
import { DmaFenceRangeError } from './errors.js';

// Module-local copies of the layout constants the slot and context accessors use: TurboFan folds
// a module's own `const` to an immediate, an imported binding is a cell load and a hole check.
const HOT_SHIFT = L.HOT_SHIFT;
const COLD_SHIFT = L.COLD_SHIFT;
const CTX_SIZE = L.CTX_SIZE;
const S_GEN = L.S_GEN;
const S_ERROR = L.S_ERROR;
const STATE_FLAGS_MASK = L.STATE_FLAGS_MASK;
const STATE_CTX_SHIFT = L.STATE_CTX_SHIFT;
const CS_SEQNO = L.CS_SEQNO;
const CS_TIMESTAMP = L.CS_TIMESTAMP;
const C_LAST_SEQNO = L.C_LAST_SEQNO;
const C_SIGNALED_SEQNO = L.C_SIGNALED_SEQNO;
const C_PENDING = L.C_PENDING;
const C_HEAD = L.C_HEAD;
const S_NEXT = L.S_NEXT;

/** The arena starts past the wasm module's (empty) static data; address 0 stays unused. */
export const ARENA_BASE = 1024;
const PAGE = 65536;

export interface ArenaSizes {
  maxFences: number;
  maxContexts: number;
  maxRings: number;
  /** Bytes per ring: header and its largest descriptor array. */
  ringStride: number;
  /** Bytes of DMA memory (a multiple of DMA_GRANULE); its owner map and corruption log follow. */
  dmaBytes: number;
  /** Scheduler regions: schedulers (job queues too), entities, job records (2 dependency references each). */
  maxSchedulers: number;
  maxEntities: number;
  maxJobs: number;
  /** Attached emitter threads (emitter headers) and the fence slots each owns (default 0). */
  maxEmitters?: number;
  emitSlots?: number;
}

export interface ArenaLayout extends ArenaSizes {
  base: number;
  emitOff: number;
  holdOff: number;
  /** Slots in the slot array: maxFences (the owner's) + maxEmitters × emitSlots. */
  totalSlots: number;
  ctxOff: number;
  /** The hot slot array (state, generation, link, error) and the cold one (seqno, timestamp). */
  slotOff: number;
  coldOff: number;
  ringsOff: number;
  dmaOff: number;
  dmaMapOff: number;
  corrOff: number;
  schedOff: number;
  entOff: number;
  jobOff: number;
  depOff: number;
  maxDeps: number;
  /** Bytes from the arena base to its end. */
  size: number;
  pages: number;
}

const align = (n: number) => (n + L.ALIGN - 1) & ~(L.ALIGN - 1);

export function computeLayout(s: ArenaSizes): ArenaLayout {
  const emitOff = L.HEADER_SIZE;
  const maxEmitters = s.maxEmitters ?? 0;
  const emitSlots = maxEmitters === 0 ? 0 : s.emitSlots ?? 0;
  const totalSlots = s.maxFences + maxEmitters * emitSlots;
  const holdOff = align(emitOff + maxEmitters * L.EH_SIZE);
  const ctxOff = align(holdOff + L.HOLD_ENTRIES * L.HOLD_SIZE);
  const slotOff = align(ctxOff + s.maxContexts * CTX_SIZE);
  const coldOff = align(slotOff + totalSlots * L.HOT_SIZE);
  const ringsOff = align(coldOff + totalSlots * L.COLD_SIZE);
  const dmaOff = align(ringsOff + s.maxRings * s.ringStride);
  const dmaMapOff = align(dmaOff + s.dmaBytes);
  const corrOff = align(dmaMapOff + (s.dmaBytes >> L.DMA_GRANULE_SHIFT) * 4);
  const schedOff = align(corrOff + L.CORR_CAP * L.CORR_SIZE);
  const entOff = align(schedOff + s.maxSchedulers * L.SC_SIZE);
  const jobOff = align(entOff + s.maxEntities * L.ET_SIZE);
  const depOff = align(jobOff + s.maxJobs * L.SJ_SIZE);
  const maxDeps = 2 * s.maxJobs;
  const size = align(depOff + maxDeps * L.DP_SIZE);
  const pages = Math.ceil((ARENA_BASE + size) / PAGE);
  if (pages > 65536) {
    throw new DmaFenceRangeError('ERR_CAPACITY', `the arena would need ${ARENA_BASE + size} bytes, more than the 4 GiB a wasm memory holds`);
  }
  return { ...s, maxEmitters, emitSlots, base: ARENA_BASE, emitOff, holdOff, totalSlots, ctxOff, slotOff, coldOff, ringsOff, dmaOff, dmaMapOff, corrOff, schedOff, entOff, jobOff, depOff, maxDeps, size, pages };
}

/** One corruption log entry: a DMA write into a granule whose owner id differed (M2). */
export interface CorruptionEntry {
  /** Index of the ring whose job wrote. */
  ring: number;
  /** DMA offset written. */
  dst: number;
  seqno: number;
  /** Allocation id the job's target had at submit, and the id found in the granule (0: free). */
  expected: number;
  found: number;
  timeNs: number;
}

/** True where SharedArrayBuffer works (Node; browsers only when cross-origin isolated). */
export function sharedMemoryAvailable(): boolean {
  return typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
}

/**
 * The typed views of one arena memory and the word arithmetic of layout.ts: the one place that
 * makes views of the arena and turns a layout offset into a view index. The owner's Arena extends
 * it; an attached view in another thread holds one. The views are made once; the accessors are
 * index arithmetic (no allocation), and hot loops may cache a view in a local as before.
 */
export class ArenaViews {
  readonly memory: WebAssembly.Memory;
  /** The arena's byte offset in memory. */
  readonly base: number;
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;

  constructor(memory: WebAssembly.Memory, base: number) {
    this.memory = memory;
    this.base = base;
    const buf = memory.buffer;
    this.u8 = new Uint8Array(buf);
    this.i32 = new Int32Array(buf);
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
  }

  /** The i32/u32 index of the header (or identity) word at byte offset `off` from the base. */
  word(off: number): number {
    return (this.base + off) >> 2;
  }
  /** The f64 index of the header (or identity) f64 at byte offset `off` from the base. */
  dword(off: number): number {
    return (this.base + off) >> 3;
  }

  // ── header ──
  header(off: number): number {
    return this.i32[(this.base + off) >> 2];
  }
  setHeader(off: number, v: number): void {
    this.i32[(this.base + off) >> 2] = v;
  }
  stat(off: number): number {
    return this.f64[(this.base + off) >> 3];
  }
  addStat(off: number, n: number): void {
    this.f64[(this.base + off) >> 3] += n;
  }
  /** True when the memory holds an arena of this layout version at the base. */
  holdsArena(): boolean {
    return this.header(L.H_MAGIC) === L.MAGIC && this.header(L.H_VERSION) === L.LAYOUT_VERSION;
  }

  /** The runtime's identity (layout.ts, "Identity"): a random integer in [1, 2^53). */
  get id(): number {
    return Atomics.load(this.u32, this.word(L.H_RUNTIME_ID_HI)) * 2 ** 32 + Atomics.load(this.u32, this.word(L.H_RUNTIME_ID));
  }
  /** Wall-clock ms at creation (layout.ts, "Identity"): remote waiters' leases count from it. */
  get timeBase(): number {
    return this.f64[this.dword(L.H_TIME_BASE)];
  }

  /** The i32 index of remote waiter entry k's claim word; its lease is the next word. */
  remoteClaimWord(k: number): number {
    return (this.base + L.RW_TABLE + k * L.RW_SIZE + L.RW_CLAIM) >> 2;
  }
}

export class Arena extends ArenaViews {
  readonly layout: ArenaLayout;
  readonly shared: boolean;
  /** Word index of the first slot's hot words, of its cold words, and of the first context entry. */
  readonly slotWord0: number;
  readonly coldWord0: number;
  readonly ctxWord0: number;
  /** Word index of the DMA owner map's first granule; byte offset of the first DMA byte. */
  readonly dmaMapWord0: number;
  readonly dmaByte0: number;
  /** When publishSignals next looks for expired remote waiter registrations (wall ms). */
  remoteScanAt = 0;
  /** Passes that notified before publishSignals next reads the clock for that look. */
  remoteScanCountdown = 0;
  /**
   * The views at the main header: the shared words (context count and ids, remote waiters, signal
   * epoch, disposed, identity). The owner's arena is its own root; an attached emitter's arena has
   * its emitter header as base (the core's words) and the main header as root.
   */
  readonly root: ArenaViews;

  constructor(layout: ArenaLayout, memory?: WebAssembly.Memory, root?: ArenaViews) {
    const shared = memory ? isShared(memory.buffer) : sharedMemoryAvailable();
    super(memory ?? new WebAssembly.Memory({ initial: layout.pages, maximum: layout.pages, shared }), layout.base);
    this.root = root ?? this;
    this.layout = layout;
    this.shared = shared;
    this.slotWord0 = (this.base + layout.slotOff) >> 2;
    this.coldWord0 = (this.base + layout.coldOff) >> 2;
    this.ctxWord0 = (this.base + layout.ctxOff) >> 2;
    this.dmaMapWord0 = (this.base + layout.dmaMapOff) >> 2;
    this.dmaByte0 = this.base + layout.dmaOff;
    if (!memory) this.init();
  }

  private init(): void {
    const { i32, layout } = this;
    const h = (off: number) => this.word(off);
    i32[h(L.H_MAGIC)] = L.MAGIC;
    i32[h(L.H_VERSION)] = L.LAYOUT_VERSION;
    i32[h(L.H_MAX_FENCES)] = layout.maxFences;
    i32[h(L.H_MAX_CONTEXTS)] = layout.maxContexts;
    i32[h(L.H_CTX_OFF)] = layout.ctxOff;
    i32[h(L.H_SLOT_OFF)] = layout.slotOff;
    i32[h(L.H_COLD_OFF)] = layout.coldOff;
    i32[h(L.H_FREE_HEAD)] = L.NIL;
    i32[h(L.H_BUMP)] = 0;
    i32[h(L.H_IN_USE)] = 0;
    i32[h(L.H_CTX_COUNT)] = 0;
    i32[h(L.H_NEXT_CTX_ID)] = 1;
    i32[h(L.H_NOTIFY_HEAD)] = L.NIL;
    i32[h(L.H_NOTIFY_TAIL)] = L.NIL;
    i32[h(L.H_RINGS_OFF)] = layout.ringsOff;
    i32[h(L.H_MAX_RINGS)] = layout.maxRings;
    i32[h(L.H_DMA_OFF)] = layout.dmaOff;
    i32[h(L.H_DMA_BYTES)] = layout.dmaBytes;
    i32[h(L.H_RING_STRIDE)] = layout.ringStride;
    i32[h(L.H_RING_COUNT)] = 0;
    i32[h(L.H_DMA_MAP_OFF)] = layout.dmaMapOff;
    i32[h(L.H_CORR_OFF)] = layout.corrOff;
    i32[h(L.H_CORR_COUNT)] = 0;
    i32[h(L.H_SCHED_OFF)] = layout.schedOff;
    i32[h(L.H_ENT_OFF)] = layout.entOff;
    i32[h(L.H_JOB_OFF)] = layout.jobOff;
    i32[h(L.H_DEP_OFF)] = layout.depOff;
    i32[h(L.H_MAX_SCHEDS)] = layout.maxSchedulers;
    i32[h(L.H_MAX_ENTS)] = layout.maxEntities;
    i32[h(L.H_MAX_JOBS)] = layout.maxJobs;
    i32[h(L.H_MAX_DEPS)] = layout.maxDeps;
    i32[h(L.H_JOB_FREE)] = L.NIL;
    i32[h(L.H_DEP_FREE)] = L.NIL;
    i32[h(L.H_EMIT_OFF)] = layout.emitOff;
    i32[h(L.H_MAX_EMITTERS)] = layout.maxEmitters ?? 0;
    i32[h(L.H_EMIT_SLOTS)] = layout.emitSlots ?? 0;
    i32[h(L.H_TOTAL_SLOTS)] = layout.totalSlots;
    i32[h(L.H_HOLD_OFF)] = layout.holdOff;
    // Emitter headers (layout.ts, "Emitter header"): the core's words, rebased, over each range.
    for (let k = 0; k < (layout.maxEmitters ?? 0); k++) {
      const t = layout.emitOff + k * L.EH_SIZE;
      const e = (off: number) => (this.base + t + off) >> 2;
      const start = layout.maxFences + k * (layout.emitSlots ?? 0);
      i32[e(L.H_MAGIC)] = L.MAGIC;
      i32[e(L.H_VERSION)] = L.LAYOUT_VERSION;
      i32[e(L.H_MAX_FENCES)] = start + (layout.emitSlots ?? 0);
      i32[e(L.H_MAX_CONTEXTS)] = layout.maxContexts;
      i32[e(L.H_CTX_OFF)] = layout.ctxOff - t;
      i32[e(L.H_SLOT_OFF)] = layout.slotOff - t;
      i32[e(L.EH_COLD_OFF)] = layout.coldOff - t;
      i32[e(L.H_FREE_HEAD)] = L.NIL;
      i32[e(L.H_BUMP)] = start;
      i32[e(L.H_IN_USE)] = start;
      i32[e(L.H_NOTIFY_HEAD)] = L.NIL;
      i32[e(L.H_NOTIFY_TAIL)] = L.NIL;
    }
    // Identity (below the base, outside the arena proper): a random id every share handle
    // carries, and the wall-clock time base of remote waiters' leases.
    let hi = 0;
    let lo = 0;
    while (hi === 0 && lo === 0) {
      hi = randomU32() & 0x1fffff; // 21 bits: the id is a safe integer
      lo = randomU32();
    }
    this.u32[h(L.H_RUNTIME_ID)] = lo;
    this.u32[h(L.H_RUNTIME_ID_HI)] = hi;
    this.f64[this.dword(L.H_TIME_BASE)] = performance.timeOrigin + performance.now();
  }

  // ── context entries ──
  ctxWord(ctx: number): number {
    return this.ctxWord0 + ctx * (CTX_SIZE >> 2);
  }
  /** Claims the next context table entry and the next id (C1). Returns the index, or -1 if full. */
  createContext(seqno64: boolean, startSeqno: number, fixedId?: number, flags = 0): number {
    // Any thread that creates contexts (the owner, attached emitters) takes an index with one
    // Atomics.add; an index past the table is given back.
    const count = this.root.word(L.H_CTX_COUNT);
    if (Atomics.load(this.i32, count) >= this.layout.maxContexts) return -1;
    const index = Atomics.add(this.i32, count, 1);
    if (index >= this.layout.maxContexts) {
      Atomics.sub(this.i32, count, 1);
      return -1;
    }
    const id = fixedId ?? this.allocContextIds(1);
    const w = this.ctxWord(index);
    this.u32[w + (L.C_FLAGS >> 2)] = L.CF_LIVE | (seqno64 ? L.CF_SEQNO64 : 0) | flags;
    this.f64[(w >> 1) + (C_LAST_SEQNO >> 3)] = startSeqno - 1;
    this.f64[(w >> 1) + (C_SIGNALED_SEQNO >> 3)] = startSeqno - 1;
    this.i32[w + (C_HEAD >> 2)] = L.NIL;
    this.i32[w + (L.C_TAIL >> 2)] = L.NIL;
    this.u32[w + (C_PENDING >> 2)] = 0;
    this.i32[w + (L.C_RING >> 2)] = L.NIL;
    this.f64[(w >> 1) + (L.C_CREATED >> 3)] = 0;
    // The id last (atomic), once the entry is whole: a view in another thread scans entries up to
    // the count and stops at one whose id is still 0 (ids start at 1; the stub's entry is 0's own).
    Atomics.store(this.u32, w + (L.C_ID >> 2), id);
    return index;
  }
  /** C1: n consecutive fresh ids from the global counter (one Atomics.add: any thread); the first. */
  allocContextIds(n: number): number {
    const word = this.root.word(L.H_NEXT_CTX_ID);
    if (Atomics.load(this.u32, word) + n > 0xffffffff) throw new DmaFenceRangeError('ERR_CAPACITY', 'context ids are exhausted (32-bit counter)');
    const first = Atomics.add(this.u32, word, n);
    if (first + n > 0xffffffff) {
      Atomics.sub(this.u32, word, n);
      throw new DmaFenceRangeError('ERR_CAPACITY', 'context ids are exhausted (32-bit counter)');
    }
    return first;
  }
  ctxId(ctx: number): number {
    return this.u32[this.ctxWord(ctx) + (L.C_ID >> 2)];
  }
  ctxFlags(ctx: number): number {
    return this.u32[this.ctxWord(ctx) + (L.C_FLAGS >> 2)];
  }
  ctxLastSeqno(ctx: number): number {
    return this.f64[(this.ctxWord(ctx) >> 1) + (C_LAST_SEQNO >> 3)];
  }
  ctxSignaledSeqno(ctx: number): number {
    return this.f64[(this.ctxWord(ctx) >> 1) + (C_SIGNALED_SEQNO >> 3)];
  }
  ctxPending(ctx: number): number {
    return this.u32[this.ctxWord(ctx) + (C_PENDING >> 2)];
  }
  /** The seqno of the oldest pending fence of a context, or undefined. */
  ctxOldestPending(ctx: number): number | undefined {
    let s = this.i32[this.ctxWord(ctx) + (C_HEAD >> 2)];
    while (s !== L.NIL) {
      if (!(this.slotState(s) & L.FS_SIGNALED)) return this.slotSeqno(s);
      s = this.i32[this.slotWord(s) + (S_NEXT >> 2)];
    }
    return undefined;
  }

  /** The slot of the pending fence with this seqno on a context, or NIL. */
  /** The slots of context `ctx`'s pending fences, oldest first (cold path: it allocates). */
  ctxPendingSlots(ctx: number): number[] {
    const out: number[] = [];
    for (let s = this.i32[this.ctxWord(ctx) + (C_HEAD >> 2)]; s !== L.NIL; s = this.i32[this.slotWord(s) + (S_NEXT >> 2)]) {
      if (!(this.slotState(s) & L.FS_SIGNALED)) out.push(s);
    }
    return out;
  }

  ctxFindPending(ctx: number, seqno: number): number {
    let s = this.i32[this.ctxWord(ctx) + (C_HEAD >> 2)];
    while (s !== L.NIL) {
      if (!(this.slotState(s) & L.FS_SIGNALED) && this.slotSeqno(s) === seqno) return s;
      s = this.i32[this.slotWord(s) + (S_NEXT >> 2)];
    }
    return L.NIL;
  }

  // ── fence slots ──
  /** Word index of a slot's hot words (S_*). */
  slotWord(slot: number): number {
    return this.slotWord0 + (slot << (HOT_SHIFT - 2));
  }
  /** Word index of a slot's cold words (CS_*). */
  coldWord(slot: number): number {
    return this.coldWord0 + (slot << (COLD_SHIFT - 2));
  }
  slotState(slot: number): number {
    return this.u32[this.slotWord(slot)];
  }
  slotFlags(slot: number): number {
    return this.u32[this.slotWord(slot)] & STATE_FLAGS_MASK;
  }
  slotCtx(slot: number): number {
    return this.u32[this.slotWord(slot)] >>> STATE_CTX_SHIFT;
  }
  setSlotFlag(slot: number, flag: number, on: boolean): void {
    const w = this.slotWord(slot);
    this.u32[w] = on ? this.u32[w] | flag : this.u32[w] & ~flag;
  }
  slotGen(slot: number): number {
    return this.u32[this.slotWord(slot) + (S_GEN >> 2)];
  }
  slotError(slot: number): number {
    return this.i32[this.slotWord(slot) + (S_ERROR >> 2)];
  }
  slotSeqno(slot: number): number {
    return this.f64[(this.coldWord(slot) >> 1) + (CS_SEQNO >> 3)];
  }
  slotTimestamp(slot: number): number {
    return this.f64[(this.coldWord(slot) >> 1) + (CS_TIMESTAMP >> 3)];
  }
  inUse(): number {
    return this.header(L.H_IN_USE);
  }

  /** Records the ring that owns a context (C_RING: written, never read; kept for a dump's reader). */
  setCtxRing(ctx: number, ring: number): void {
    this.i32[this.ctxWord(ctx) + (L.C_RING >> 2)] = ring;
  }

  // ── DMA memory ──
  /** Stamps `count` owner-map granules from `granule` with an allocation id (0: free). */
  stampOwner(granule: number, count: number, id: number): void {
    this.u32.fill(id, this.dmaMapWord0 + granule, this.dmaMapWord0 + granule + count);
  }
  /** Corruption log entry i (layout.ts, "Corruption entry"): cold path, after a DR_CORRUPTION. */
  corruption(i: number): CorruptionEntry {
    const e = this.base + this.header(L.H_CORR_OFF) + i * L.CORR_SIZE;
    return {
      ring: this.u32[(e + L.CE_RING) >> 2],
      dst: this.u32[(e + L.CE_DST) >> 2],
      seqno: this.f64[(e + L.CE_SEQNO) >> 3],
      expected: this.u32[(e + L.CE_EXPECTED) >> 2],
      found: this.u32[(e + L.CE_FOUND) >> 2],
      timeNs: this.f64[(e + L.CE_TIME) >> 3],
    };
  }
  /** A view of DMA bytes [offset, offset + size). */
  dmaBytes(offset: number, size: number): Uint8Array {
    return this.u8.subarray(this.dmaByte0 + offset, this.dmaByte0 + offset + size);
  }

  /** Takes the notify list (slots signaled by a core loop that have JS callbacks or waiters),
   *  in signal order, clearing their notify flag. Returns undefined when it is empty. */
  takeNotified(): number[] | undefined {
    let s = this.header(L.H_NOTIFY_HEAD);
    if (s === L.NIL) return undefined;
    const out: number[] = [];
    while (s !== L.NIL) {
      out.push(s);
      const w = this.slotWord(s);
      this.u32[w] &= ~L.FS_NOTIFY;
      s = this.i32[w + (S_NEXT >> 2)];
    }
    this.setHeader(L.H_NOTIFY_HEAD, L.NIL);
    this.setHeader(L.H_NOTIFY_TAIL, L.NIL);
    return out;
  }
}

function randomU32(): number {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  if (c?.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0];
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

export function isShared(buf: ArrayBufferLike): boolean {
  return typeof SharedArrayBuffer === 'function' && buf instanceof SharedArrayBuffer;
}
