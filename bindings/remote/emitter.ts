/**
 * An attached thread as an emitter: the contexts it creates (`art.createContext()`) are its own,
 * and it creates, signals and sets errors on their fences itself, on the shared arena.
 *
 * How (layout.ts, "Emitter header"): the thread claims one emitter header, a rebased copy of the
 * header words the fence core uses, with its own free list, slot range, notify list and stats.
 * Its own core instance (the runtime's wasm module instantiated synchronously over the same
 * memory, or the ts core) is called with the emitter header's address as its base, so the very
 * code the owner runs finds the one context table and slot array and this thread's own words:
 * every region the thread writes has this thread as its only writer (C5). The owner's hot path
 * is unchanged. The classes are the owner's (FenceTable, FenceContext, DriverFence, DmaFence)
 * over a thread-local Arena whose `root` is the main header (context ids and indices, remote
 * waiters, signal epoch, disposed flag).
 */
import * as L from '../core/layout.js';
import { Arena, ArenaViews } from '../arena.js';
import type { ArenaLayout } from '../arena.js';
import type { Core } from '../core/core.js';
import { TsCore } from '../core/ts-core.gen.js';
import { createWasmCoreSync } from '../core/wasm-instance.js';
import { DmaFence } from '../dma-fence.js';
import { FenceContext } from '../fence-context.js';
import type { ContextOptions } from '../fence-context.js';
import { FenceTable } from '../fence-table.js';
import { Lifetime } from '../lifetime.js';
import { RealClock } from '../sim/real-clock.js';
import { ViolationLog } from '../violations.js';
import { DmaFenceError, DmaFenceRangeError } from '../errors.js';
import { wallMs } from './common.js';
import { lapsed, publishSignals } from './owner.js';
import { HoldIssuer, holdIssuerOf, retireHolds } from './holds.js';

/** An emitter renews its header's lease this often, ms (a timer that does not keep the thread
 *  alive, and a waitSync wake REMOTE_POLL_MS/2 or more after its last renewal, or that timed out). */
export const EMITTER_RENEW_MS = 500;
/**
 * An emitter header whose lease expired this long ago belongs to a thread that ended (a worker
 * terminated, or one that exited): any thread may reclaim it. A live emitter thread must not
 * block its event loop this long other than in waitSync (which renews).
 */
export const EMITTER_LEASE_MS = 5000;
/** The claim word while a reclaim is running. */
const RECLAIMING = -1;

/** An attached emitter's lifetime: it also ends once the owner disposed the runtime, or once its
 *  emitter header was reclaimed (its lease expired: the thread was taken for dead). */
class AttachedLife extends Lifetime {
  constructor(
    private readonly i32: Int32Array,
    private readonly disposedWord: number,
    private readonly claimWord: number,
    private readonly tag: number,
  ) {
    super();
  }
  #gone(): boolean {
    return Atomics.load(this.i32, this.disposedWord) !== 0 || Atomics.load(this.i32, this.claimWord) !== this.tag;
  }
  override get disposed(): boolean {
    if (!super.disposed && this.#gone()) this.end();
    return super.disposed;
  }
  override check(): void {
    if (!super.disposed && this.#gone()) this.end();
    super.check();
  }
}

/** The arena a core call needs for emitter header k: its words as base, the main header as root. */
function emitterArena(root: ArenaViews, k: number): Arena {
  const t = root.header(L.H_EMIT_OFF) + k * L.EH_SIZE;
  const h = (off: number) => root.i32[root.word(t + off)];
  const layout = {
    base: root.base + t,
    ctxOff: h(L.H_CTX_OFF),
    slotOff: h(L.H_SLOT_OFF),
    coldOff: h(L.EH_COLD_OFF),
    maxFences: h(L.H_MAX_FENCES),
    maxContexts: h(L.H_MAX_CONTEXTS),
    totalSlots: root.header(L.H_TOTAL_SLOTS),
  } as ArenaLayout;
  return new Arena(layout, root.memory, root);
}

/** The first slot of emitter header k's range. */
function rangeStart(root: ArenaViews, k: number): number {
  return root.header(L.H_MAX_FENCES) + k * root.header(L.H_EMIT_SLOTS);
}

/**
 * Reclaims the emitter headers whose lease expired EMITTER_LEASE_MS ago (their threads ended):
 * every fence still pending on their contexts signals -ECANCELED (T2) and the waiters of every
 * thread are woken; the header is free again. Its signaled slots stay as they are (readable by
 * remote views) until the next claimer sweeps them, and those a view still holds until that view
 * lets go (holds.ts, retire). Any thread may call it; a compareExchange
 * makes one reclaimer win. Returns how many it reclaimed.
 */
export function reclaimEmitters(root: ArenaViews, core?: Core): number {
  if (Atomics.load(root.i32, root.word(L.H_DISPOSED)) !== 0) return 0;
  const n = root.header(L.H_MAX_EMITTERS);
  const off0 = root.header(L.H_EMIT_OFF);
  const now = (wallMs() - root.timeBase) | 0;
  let reclaimed = 0;
  for (let k = 0; k < n; k++) {
    const cw = root.word(off0 + k * L.EH_SIZE + L.EH_CLAIM);
    const tag = Atomics.load(root.i32, cw);
    if (tag === 0 || tag === RECLAIMING) continue;
    if (!lapsed(root.i32, cw + ((L.EH_LEASE - L.EH_CLAIM) >> 2), now, EMITTER_LEASE_MS, root.word(L.H_SIGNAL_EPOCH))) continue; // (probed first)
    if (Atomics.compareExchange(root.i32, cw, tag, RECLAIMING) !== tag) continue;
    const a = emitterArena(root, k);
    const c = core ?? new TsCore(root.memory.buffer);
    const count = Math.min(Atomics.load(root.i32, root.word(L.H_CTX_COUNT)), a.layout.maxContexts);
    for (let ci = 1; ci < count; ci++) {
      const flags = a.ctxFlags(ci);
      if (!(flags & L.CF_LIVE) || ((flags >>> L.CF_EMITTER_SHIFT) & 0xff) !== k + 1) continue;
      if (a.ctxPending(ci) !== 0) c.signalUpTo(a.base, ci, a.ctxLastSeqno(ci), L.ERRNO_CANCELED, 0);
      a.u32[a.ctxWord(ci) + (L.C_FLAGS >> 2)] = flags & ~L.CF_LIVE;
    }
    a.takeNotified(); // their JS listeners were the dead thread's: the sweep unpins the slots
    retireHolds(root, k + 1); // the holds it issued: nobody scans them any more (held ones are kept)
    publishSignals(a);
    Atomics.store(root.i32, cw, 0);
    reclaimed++;
  }
  return reclaimed;
}

/**
 * A new claimer's sweep of its range: slots a reclaimed thread's handles still pinned (signaled,
 * unlinked) are recycled, but not those a view of another thread still holds (`held`: adopted by
 * the claimer's hold issuer, unpinned once their last view is gone). A range given back by
 * dispose() has only held ones.
 */
function sweep(a: Arena, core: Core, start: number, end: number, held: Set<number>): void {
  for (let s = start; s < end; s++) {
    if (held.has(s)) continue;
    const st = a.slotState(s);
    if (!(st & L.FS_ALLOC) || !(st & L.FS_SIGNALED) || st & (L.FS_QUEUED | L.FS_SCHED)) continue;
    if (st & L.FS_NOTIFY) a.setSlotFlag(s, L.FS_NOTIFY, false);
    if (st & (L.FS_PINNED | L.FS_JS | L.FS_NOTIFY)) core.fenceUnpin(a.base, s);
  }
}

/** @internal The emitter side of one AttachedRuntime. */
export class ThreadEmitter {
  readonly arena: Arena;
  readonly core: Core;
  readonly table: FenceTable;
  readonly life: AttachedLife;
  readonly clock: RealClock;
  readonly #issuers: FenceContext[] = [];
  readonly #root: ArenaViews;
  readonly #claimWord: number;
  readonly #index: number;
  #renew: ReturnType<typeof setInterval> | undefined;

  /**
   * Claims a free emitter header (ERR_CAPACITY when every one is taken: raise createRuntime's
   * maxEmitterThreads) and makes the thread's core: 'wasm' instantiates the runtime's module
   * synchronously (ERR_WASM if this thread refuses that, or the runtime is a ts one), 'ts' the
   * generated core; undefined tries wasm and falls back to ts.
   */
  static claim(root: ArenaViews, wasm: WebAssembly.Module | null, backend: 'wasm' | 'ts' | undefined, onCallbackError: (e: unknown, f: DmaFence) => void): ThreadEmitter {
    let core: Core | undefined;
    if (backend !== 'ts' && wasm) {
      try {
        core = createWasmCoreSync(root.memory, wasm);
      } catch (e) {
        if (backend === 'wasm') throw new DmaFenceError('ERR_WASM', `this thread cannot instantiate the wasm core synchronously (${(e as Error)?.message}): attach with { backend: 'ts' }`);
      }
    } else if (backend === 'wasm') {
      throw new DmaFenceError('ERR_WASM', "the runtime runs the ts core and shared no wasm module: attach with { backend: 'ts' } (or leave backend out)");
    }
    core ??= new TsCore(root.memory.buffer);
    const n = root.header(L.H_MAX_EMITTERS);
    const off0 = root.header(L.H_EMIT_OFF);
    const tag = (Math.floor(Math.random() * 0x7ffffffe) + 1) | 0;
    for (let round = 0; round < 2; round++) {
      for (let k = 0; k < n; k++) {
        const cw = root.word(off0 + k * L.EH_SIZE + L.EH_CLAIM);
        if (Atomics.compareExchange(root.i32, cw, 0, tag) === 0) return new ThreadEmitter(root, core, k, cw, tag, onCallbackError);
      }
      if (reclaimEmitters(root, core) === 0) break; // a thread that ended may hold one
    }
    throw new DmaFenceRangeError('ERR_CAPACITY', `all ${n} emitter headers are claimed: at most maxEmitterThreads (${n}) attached threads create contexts at once (dispose one, or raise maxEmitterThreads)`);
  }

  private constructor(root: ArenaViews, core: Core, k: number, claimWord: number, tag: number, onCallbackError: (e: unknown, f: DmaFence) => void) {
    this.#root = root;
    this.core = core;
    this.#index = k;
    this.#claimWord = claimWord;
    this.#lease();
    this.arena = emitterArena(root, k);
    this.life = new AttachedLife(root.i32, root.word(L.H_DISPOSED), claimWord, tag);
    this.clock = new RealClock(this.life);
    const log = new ViolationLog(false, () => this.clock.now);
    this.table = new FenceTable(this.arena, core, this.clock, log, this.#issuers, DmaFence, this.life);
    sweep(this.arena, core, rangeStart(root, k), this.arena.layout.maxFences, HoldIssuer.of(this.table).adoptOrphans());
    // Callback errors never escape into this thread's event loop (DESIGN.md, "Callback errors").
    this.table.callbackErrors.listeners.add(onCallbackError);
    this.#renew = setInterval(() => this.#lease(), EMITTER_RENEW_MS);
    (this.#renew as { unref?: () => void }).unref?.();
    this.life.onEnd(() => clearInterval(this.#renew));
    this.#watchDispose(root.word(L.H_DISPOSED));
  }

  /** The owner's dispose ends this thread's objects at once (markDisposed notifies the word):
   *  pending waits on its own fences reject ERR_DISPOSED. A pending waitAsync keeps no thread alive. */
  #watchDispose(word: number): void {
    const i32 = this.#root.i32;
    const look = (): void => {
      if (this.life.disposed) return; // (the getter ends it if the owner disposed)
      const r = Atomics.waitAsync(i32, word, 0);
      if (r.async) void r.value.then(look);
      else look();
    };
    look();
  }

  /** The violations recorded on this thread's contexts (F16, C3, ...). */
  get violations(): readonly import('../violations.js').Violation[] {
    return this.table.log.list;
  }

  /** @internal Renews this thread's lease on its emitter header (the timer, and waitSync, which
   *  passes the time it read: ms since the arena's time base). */
  renew(now?: number): void {
    if (!this.life.disposed) this.#lease(now);
  }

  #lease(now?: number): void {
    const r = this.#root;
    Atomics.store(r.i32, this.#claimWord + ((L.EH_LEASE - L.EH_CLAIM) >> 2), (now ?? (wallMs() - r.timeBase) | 0) & ~1); // even: odd is a probe's (owner.ts, lapsed)
  }

  /** A new context whose emitter is this thread (C1: the next id of the runtime's counter). */
  createContext({ o, start }: { o: ContextOptions; start: number }): FenceContext {
    this.life.check();
    const flags = (this.#index + 1) << L.CF_EMITTER_SHIFT;
    const index = this.arena.createContext(o.seqno64 ?? false, start, undefined, flags);
    if (index < 0) throw new DmaFenceRangeError('ERR_CAPACITY', `all ${this.arena.layout.maxContexts - 1} contexts are in use (raise maxContexts)`);
    const ctx = new FenceContext(this.table, index, o);
    this.#issuers[index] = ctx;
    return ctx;
  }

  /**
   * Detach: every fence still pending on this thread's contexts signals -ECANCELED (T2: nothing
   * waits forever on a thread that left), its handles end (ERR_DISPOSED), every slot of its range
   * is free again but those a view in another thread still holds (`fence.share()`: they stay
   * readable until that view lets go, then the next claimer of the header frees them), and the
   * emitter header is given back. After the owner disposed the runtime it
   * only ends its objects (the arena is the owner's to drop).
   */
  dispose(): void {
    if (this.life.disposed) return; // (also true once the owner disposed: then nothing is touched)
    const { arena, core, table } = this;
    for (const ctx of this.#issuers) {
      if (!ctx || arena.ctxPending(ctx.index) === 0) continue;
      table.signalUpTo(ctx.index, arena.ctxLastSeqno(ctx.index), L.ERRNO_CANCELED, this.clock.now);
    }
    const held = holdIssuerOf(table)?.end() ?? new Set<number>();
    this.life.end();
    for (let s = 0; s < table.records.length; s++) {
      if (!table.records[s]) continue;
      table.records[s] = undefined;
      if (!held.has(s)) core.fenceUnpin(arena.base, s);
    }
    for (const s of arena.takeNotified() ?? []) if (!held.has(s)) core.fenceUnpin(arena.base, s);
    Atomics.store(this.#root.i32, this.#claimWord, 0);
    Atomics.notify(this.#root.i32, this.#root.word(L.H_DISPOSED)); // this thread's dispose watch ends
  }
}
