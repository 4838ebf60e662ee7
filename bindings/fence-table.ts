/**
 * The fence table: the JS side of fences that have handles. A FenceRecord exists only while some
 * handle (DriverFence / DmaFence) pins the slot; batch fences never get one, so the signaling loop
 * touches JS only for fences that have callbacks or waiters (FS_JS).
 *
 * Contract: driver thread only. It owns the rules that involve JS: callbacks in registration order,
 * exactly once (F3, F6-F8); waiters; the issuer's hooks (F13-F15); references and the safety net
 * for a last reference dropped with callbacks queued (F16) or a DriverFence lost to the GC.
 */
import { HANDLE_TOKEN } from './handle-token.js';
import type { Arena } from './arena.js';
import type { Core } from './core/core.js';
import type { Clock } from './sim/clock.js';
import type { ViolationLog } from './violations.js';
import type { DmaFence } from './dma-fence.js';
import type { Lifetime } from './lifetime.js';
import type { Issuer } from './issuer.js';
import type { CallbackErrorListener } from './callback-errors.js';
import * as L from './core/layout.js';
import { publishSignals } from './remote/owner.js';
import { Errno } from './errors.js';
import { CallbackErrors } from './callback-errors.js';
import { blockedWaiters, waitAny } from './fence-waits.js';

// Module-local copies of the layout constants the hot paths use: TurboFan folds a module's own
// `const` to an immediate, while an imported binding is a cell load and a hole check at every use
// (README Performance, the object API).
const FS_SIGNALED = L.FS_SIGNALED;
const FS_FORCED = L.FS_FORCED;
const FS_JS = L.FS_JS;
const FS_ENABLED = L.FS_ENABLED;
const SIG_ORDERING = L.SIG_ORDERING;
const SLOT_WORD_SHIFT = L.HOT_SHIFT - 2;
const NIL = L.NIL;

export type { Issuer, IssuerOps } from './issuer.js';
export type { CallbackErrorListener } from './callback-errors.js';

/** A fence callback (F6): called once, with the fence, when it signals. */
export type FenceCallback = (fence: DmaFence) => void;

export interface Waiter {
  /** Runs once, at signal. */
  wake(): void;
  /** True if nothing but a signal can end it (no timeout). */
  readonly unbounded: boolean;
}

/** A queued callback after a fence's first, and the handle it was added through. */
interface MoreCallback {
  fn: FenceCallback;
  fence: DmaFence;
}

/** Frozen: a push into them throws instead of sharing a listener between fences. */
const NO_MORE = Object.freeze([]) as unknown as MoreCallback[];
const NO_WAITERS = Object.freeze([]) as unknown as Waiter[];

/**
 * A record's cold state: what most fences never get (a second callback, a waiter, a third
 * handle in one task, a deadline, a composite structure). Every record starts with the shared,
 * frozen NO_EXTRA (a write into it throws instead of sharing state between fences); the first
 * write gives it its own (`extraOf`). Out of the record so that the record is 11 fields, not 15:
 * 32 bytes less garbage a fence, and one compare (`rec.x !== NO_EXTRA`) where the hot paths
 * tested four fields (README Performance, the object API).
 */
export interface RecordExtra {
  /** The queued callbacks after the record's own `cb`, in registration order; empty whenever `cb` is undefined. */
  more: MoreCallback[];
  /** A shared empty array until the first waiter. */
  waiters: Waiter[];
  /** Handles past the record's two young fields, as (handle, driver) pairs (FenceTable.retain). */
  youngMore: (object | boolean)[] | undefined;
  /** The earliest deadline set (F15); undefined for none (not Infinity: a double field would box a number). */
  deadline: number | undefined;
  /** A composite fence's structure (array, chain link: composite/), or undefined for a plain one. */
  composite: CompositePart | undefined;
}

const NO_EXTRA: RecordExtra = Object.freeze({ more: NO_MORE, waiters: NO_WAITERS, youngMore: undefined, deadline: undefined, composite: undefined });

/**
 * Callbacks or waiters queued? (F16's question.) A record without cold state is answered from
 * `cb` alone, without reading through `x` (whose two shapes, shared and own, would make the read
 * polymorphic in the hot paths).
 */
export function listened(rec: FenceRecord): boolean {
  return rec.cb !== undefined || (rec.x !== NO_EXTRA && rec.x.waiters.length !== 0);
}

/** The record's own cold state, made on first use (to write into). */
export function extraOf(rec: FenceRecord): RecordExtra {
  if (rec.x === NO_EXTRA) rec.x = { more: NO_MORE, waiters: NO_WAITERS, youngMore: undefined, deadline: undefined, composite: undefined };
  return rec.x;
}

/**
 * The JS state of a fence with handles. A plain object made by `newRecord` (an object literal:
 * one map for every record, allocated inline by TurboFan wherever it is made, with no constructor
 * call to inline or to reach through the generic construct stub; README Performance, the object API).
 */
export interface FenceRecord {
  /** Its slot, pinned while the record is attached: the slot's generation (arena.slotGen) cannot move meanwhile, so it is read there, not kept. */
  readonly slot: number;
  readonly ctx: number;
  refs: number;
  /**
   * The first queued callback and the handle it was added through, in the record itself: most
   * fences get one callback or none, and then no array is made. `x.more` holds the rest, in
   * registration order; it is empty whenever `cb` is undefined.
   */
  cb: FenceCallback | undefined;
  cbFence: DmaFence | undefined;
  /** The cold state (waiters, more callbacks, deadline, composite): NO_EXTRA until written (extraOf). */
  x: RecordExtra;
  /**
   * Handles not yet in the GC safety net (FenceTable.retain): the DriverFence, the first other
   * handle, then any more as (handle, driver) pairs in `x.youngMore`; `young` while the slot is on
   * the table's list.
   */
  young: boolean;
  youngDriver: object | undefined;
  youngFence: object | undefined;
  /**
   * Signaled, on the notify list, callbacks not yet run: the record must stay attached to its
   * slot (and the slot pinned) until they have run, even if its last handle is released meanwhile.
   */
  notifyPending: boolean;
}

/** A new record: `refs` references, `young` when its slot is going on the young list (FenceTable.retain). */
function newRecord(slot: number, ctx: number, refs: number, young: boolean): FenceRecord {
  // One literal, fields in one order: the constants come from its boilerplate, only the
  // arguments and the shared NO_EXTRA are stored.
  return {
    slot,
    ctx,
    refs,
    cb: undefined,
    cbFence: undefined,
    x: NO_EXTRA,
    young,
    youngDriver: undefined,
    youngFence: undefined,
    notifyPending: false,
  };
}

/** What a composite fence keeps beside its record (bindings/composite/). */
export interface CompositePart {
  readonly kind: 'array' | 'chain';
  /**
   * The record's last reference went (its slot is about to be unpinned): drop what it holds.
   * Called once; it must not recurse into other records' release (X2.7: it queues them).
   */
  released(rec: FenceRecord): void;
}

/** Records whose handles wait for their registry entry, at most (see FenceTable.retain). */
const YOUNG_MAX = 256;

export class FenceTable {
  readonly records: (FenceRecord | undefined)[];
  /** Waits in progress. */
  activeWaits = 0;
  /** Called when a wait starts (the real clock holds the process alive while one is pending). */
  onWait: (() => void) | undefined;
  /** Tracing (trace: true): told of every signalUpTo from JS that signaled something (ctx index, first and last seqno, error). */
  onSignalUpTo: ((ctx: number, first: number, last: number, error: number) => void) | undefined;
  /** The GC safety net, one registry per kind of handle: the held value is the record alone. */
  readonly #registry: FinalizationRegistry<FenceRecord>;
  readonly #driverRegistry: FinalizationRegistry<FenceRecord>;

  constructor(
    readonly arena: Arena,
    readonly core: Core,
    readonly clock: Clock,
    readonly log: ViolationLog,
    readonly issuers: Issuer[],
    /** The DmaFence class, passed in to keep the import graph acyclic. */
    private readonly DmaFence: { new (token: symbol, t: FenceTable, rec: FenceRecord): DmaFence; _released(f: DmaFence): boolean; _drop(f: DmaFence): void },
    /** Ends with the runtime: every handle's member checks it. */
    readonly life: Lifetime,
  ) {
    this.records = new Array(arena.layout.maxFences);
    this.callbackErrors = new CallbackErrors(clock.kind === 'real');
    this.#registry = new FinalizationRegistry((rec) => this.#collected(rec, false));
    this.#driverRegistry = new FinalizationRegistry((rec) => this.#collected(rec, true));
  }

  // ── references ──

  /** The record of a slot, created (and the slot pinned) on first use. */
  record(slot: number): FenceRecord {
    let rec = this.records[slot];
    if (!rec) {
      rec = newRecord(slot, this.arena.slotCtx(slot), 0, false);
      this.arena.setSlotFlag(slot, L.FS_PINNED, true);
      this.records[slot] = rec;
    }
    return rec;
  }

  /** A new DmaFence handle on a slot. */
  handle(slot: number): DmaFence {
    return this.handleOf(this.record(slot));
  }

  /** A new DmaFence handle on a record, with its reference (retain). */
  handleOf(rec: FenceRecord): DmaFence {
    const h = new this.DmaFence(HANDLE_TOKEN, this, rec);
    this.retain(rec, h, false);
    return h;
  }

  /**
   * The record of a fence fenceCreate (or schedPush, with PUSH_PIN) just made on context index
   * `ctx` (pinned by the core, no record yet: a free slot never has one).
   */
  created(slot: number, ctx: number): FenceRecord {
    const rec = newRecord(slot, ctx, 0, false);
    this.records[slot] = rec;
    return rec;
  }

  /**
   * ctx.createFence()'s steps after its checks, in one body: a new fence on context index `ctx`
   * (fenceCreate), its record, the DriverFence (made here by `Driver`, the class, passed in as
   * DmaFence is to the constructor) with the record's one reference, waiting in `youngDriver`, and
   * the slot on the young list (retain, `#enlist`). undefined when no slot is free. Written out
   * flat so that the path costs one call whether or not TurboFan inlines it into the caller, and
   * so that the record and its DriverFence are allocated together, the store of one into the
   * other needing no write barrier (README Performance, the object API).
   */
  createForDriver<D extends object>(ctx: number, Driver: new (token: symbol, t: FenceTable, rec: FenceRecord) => D): D | undefined {
    const a = this.arena;
    const slot = this.core.fenceCreate(a.base, ctx);
    if (slot === NIL) return undefined;
    const rec = newRecord(slot, ctx, 1, true);
    const df = new Driver(HANDLE_TOKEN, this, rec);
    rec.youngDriver = df;
    this.records[slot] = rec;
    if (this.#youngCount >= this.#youngLimit) this.#youngRoom();
    this.#young[this.#youngCount++] = slot;
    return df;
  }


  /**
   * A handle on the newest fence of context index `ctx` (its tail), which the core just made and
   * pinned (schedPush with PUSH_PIN): a fresh slot, so a new record (as `created`).
   */
  tailHandle(ctx: number): DmaFence {
    const a = this.arena;
    return this.handleOf(this.created(a.i32[a.ctxWord(ctx) + (L.C_TAIL >> 2)], ctx));
  }

  /**
   * A new handle's reference. Its safety net (the FinalizationRegistry entry, about 1 µs each and
   * the garbage collection work it brings) is taken late: the handle waits on its record
   * (`youngDriver`, `youngFence`, `x.youngMore`) until the end of the current task (a microtask) or
   * until YOUNG_MAX records wait, and a handle released before then never costs an entry (the
   * usual create, read, signal, release). Until then its record holds it strongly, and the
   * record is held by `records` (a record leaves its slot only once its last reference went), so
   * the GC cannot take the handle before it has its entry: the net only starts a little later, it
   * never misses a handle (F16: a DriverFence leaked in the task that made it is still reported
   * once it is collected). `#young` lists the slots of the waiting records: numbers, no object.
   */
  retain(rec: FenceRecord, handle: object, driver: boolean): void {
    rec.refs++;
    if (driver || rec.youngFence !== undefined) this.#retainOther(rec, handle, driver);
    else rec.youngFence = handle; // the usual: a DmaFence, the first of its fence in this task
    if (rec.young !== true) this.#enlist(rec); // a compare with true, not a truthiness test (a field read as any value)
  }

  /** retain, for a DriverFence or a second waiting DmaFence. */
  #retainOther(rec: FenceRecord, handle: object, driver: boolean): void {
    if (driver && rec.youngDriver === undefined) rec.youngDriver = handle;
    else if (!driver && rec.youngFence === undefined) rec.youngFence = handle;
    else {
      const x = extraOf(rec);
      (x.youngMore ??= []).push(handle, driver);
    }
  }

  /** The record's slot goes on the young list (the record has its first waiting handle). */
  #enlist(rec: FenceRecord): void {
    if (this.#youngCount >= this.#youngLimit) this.#youngRoom();
    rec.young = true;
    this.#young[this.#youngCount++] = rec.slot;
  }

  /** Before a slot goes on the young list: room on it (a full list is flushed) and the end-of-task flush queued. */
  #youngRoom(): void {
    if (this.#youngCount === YOUNG_MAX) this.#flushYoung();
    if (this.#youngLimit === 0) {
      this.#youngLimit = YOUNG_MAX;
      queueMicrotask(this.#registerYoung);
    }
  }

  // The cold parts of release, drop, signal and addCallback are methods of their own, so that the
  // hot path's bytecode stays smaller for TurboFan's inlining budget (README Performance, the
  // object API). The young-list bookkeeping is hot (every handle made and released in one task).

  /** Slots whose record has handles waiting for their registry entry (duplicates and stale slots are skipped). */
  readonly #young = new Int32Array(YOUNG_MAX);
  #youngCount = 0;
  /** YOUNG_MAX while the end-of-task flush is queued, else 0: one compare tells a slot needs #youngRoom first. */
  #youngLimit = 0;
  /** Registry entries taken so far (a handle released in the task that made it takes none). */
  registered = 0;
  /** The handles still unreleased get their registry entry. */
  readonly #registerYoung = (): void => {
    this.#youngLimit = 0;
    this.#flushYoung();
  };

  #flushYoung(): void {
    const young = this.#young;
    const n = this.#youngCount;
    this.#youngCount = 0;
    for (let i = 0; i < n; i++) {
      const rec = this.records[young[i]];
      if (rec === undefined || !rec.young) continue;
      rec.young = false;
      if (rec.youngDriver !== undefined) this.#register(rec.youngDriver, rec, true);
      if (rec.youngFence !== undefined) this.#register(rec.youngFence, rec, false);
      const more = rec.x.youngMore;
      if (more !== undefined) {
        for (let j = 0; j < more.length; j += 2) this.#register(more[j] as object, rec, more[j + 1] as boolean);
        rec.x.youngMore = undefined;
      }
      rec.youngDriver = rec.youngFence = undefined;
    }
  }

  #register(handle: object, rec: FenceRecord, driver: boolean): void {
    (driver ? this.#driverRegistry : this.#registry).register(handle, rec, handle);
    this.registered++;
  }

  /** A handle not in the record's own two waiting fields: off `x.youngMore`, else out of the registry. */
  #unyoungMore(rec: FenceRecord, handle: object, driver: boolean): void {
    const more = rec.x.youngMore;
    const i = more === undefined ? -1 : more.indexOf(handle);
    if (i < 0) this.#unregister(handle, driver); // it has its registry entry
    else more!.splice(i, 2);
  }

  /**
   * The record's last waiting handle went: if its slot is the newest on the young list, off the
   * list too, so that a task that creates and releases fences one after another never fills it.
   */
  #offYoung(rec: FenceRecord): void {
    const more = rec.x.youngMore;
    if ((more === undefined || more.length === 0) && this.#young[this.#youngCount - 1] === rec.slot && this.records[rec.slot] === rec) {
      rec.young = false;
      this.#youngCount--;
    }
  }

  /** An explicit release. Under strict, F16 throws before anything changes. */
  release(rec: FenceRecord, handle: object, driver: boolean): void {
    if (rec.refs === 1 && listened(rec)) this.#checkLastRelease(rec);
    // The usual handle was made in this task and waits on its record (no registry entry yet).
    if (rec.youngDriver === handle) rec.youngDriver = undefined;
    else if (rec.youngFence === handle) rec.youngFence = undefined;
    else this.#unyoungMore(rec, handle, driver);
    if (rec.young === true && rec.youngDriver === undefined && rec.youngFence === undefined) {
      // #offYoung's usual case written out: its last waiting handle went, and its slot is the newest on the list.
      const n = this.#youngCount;
      if (rec.x === NO_EXTRA && n !== 0 && this.#young[n - 1] === rec.slot && this.records[rec.slot] === rec) {
        rec.young = false;
        this.#youngCount = n - 1;
      } else this.#offYoung(rec);
    }
    if (--rec.refs !== 0) return;
    // #lastRef's usual case written out (attached, no listener, no cold state, no callback still to run): it leaves the slot.
    if (rec.cb === undefined && rec.x === NO_EXTRA && !rec.notifyPending && this.records[rec.slot] === rec) {
      this.records[rec.slot] = undefined;
      this.core.fenceUnpin(this.arena.base, rec.slot);
    } else this.#lastRef(rec);
  }

  /** F16 under strict: releasing the last reference of a pending fence with listeners throws. */
  #checkLastRelease(rec: FenceRecord): void {
    if (!this.isSignaledRaw(rec)) this.log.check(this.#f16(rec));
  }

  #unregister(handle: object, driver: boolean): void {
    (driver ? this.#driverRegistry : this.#registry).unregister(handle);
  }

  #collected(rec: FenceRecord, driver: boolean): void {
    if (this.life.disposed) return; // the runtime is gone: nothing to keep or report
    if (driver && !this.isSignaledRaw(rec) && !this.issuers[rec.ctx].dead) {
      this.log.note({
        kind: 'leaked-driver-fence',
        rule: 'F16',
        message: `a DriverFence of context ${this.issuers[rec.ctx].id} seqno ${this.arena.slotSeqno(rec.slot)} was garbage-collected while pending, without release()`,
        context: this.issuers[rec.ctx].id,
        seqno: this.arena.slotSeqno(rec.slot),
      });
    }
    this.#drop(rec);
  }

  #f16(rec: FenceRecord) {
    const issuer = this.issuers[rec.ctx];
    return {
      kind: 'released-with-callbacks' as const,
      rule: 'F16',
      message: `the last reference to pending fence ${issuer.id}:${this.arena.slotSeqno(rec.slot)} was released with callbacks or waiters queued; it is signaled -EDEADLK so nobody waits forever`,
      context: issuer.id,
      seqno: this.arena.slotSeqno(rec.slot),
    };
  }

  #drop(rec: FenceRecord): void {
    if (--rec.refs === 0) this.#lastRef(rec);
  }

  /** The record's last reference went. */
  #lastRef(rec: FenceRecord): void {
    // A record detached from its slot (the slot recycled, maybe reused) never touches the slot again.
    if (this.records[rec.slot] !== rec) return;
    // Its callbacks are still to run (notify list, or running now): #notify detaches it after them.
    if (rec.notifyPending) return;
    if (listened(rec) && !this.isSignaledRaw(rec)) this.#dropListened(rec);
    else this.#detach(rec);
  }

  /** The last reference of a pending fence with callbacks or waiters went. */
  #dropListened(rec: FenceRecord): void {
    if (this.issuers[rec.ctx].holdsFences) {
      return; // the emitter's own reference keeps it (and its callbacks) until it signals
    }
    // F16: nobody can reach this fence any more, but someone is waiting on it.
    this.log.note(this.#f16(rec));
    this.core.fenceSetError(this.arena.base, rec.slot, -Errno.EDEADLK);
    this.arena.setSlotFlag(rec.slot, FS_FORCED, true);
    rec.refs++; // the forced signal's callbacks run on an attached record
    this.signal(rec, this.clock.now);
    rec.refs--;
    if (rec.refs > 0 || this.records[rec.slot] !== rec) return;
    this.#detach(rec);
  }

  /** The record leaves its slot: the slot is unpinned (and recycled if signaled and unlinked). */
  #detach(rec: FenceRecord): void {
    this.records[rec.slot] = undefined;
    rec.x.composite?.released(rec);
    this.core.fenceUnpin(this.arena.base, rec.slot);
  }

  // ── state ──

  /** Signaled? A record whose slot was recycled (last handle gone) was signaled. */
  isSignaledRaw(rec: FenceRecord): boolean {
    return this.records[rec.slot] !== rec || (this.arena.slotState(rec.slot) & FS_SIGNALED) !== 0;
  }

  /**
   * T5: a pending fence reaches its issuer (its ops or names). If the driver was unloaded, that is
   * a use-after-free, recorded. A signaled fence never reaches it (F14), so never gets here.
   */
  reachIssuer(rec: FenceRecord, op: string): void {
    const issuer = this.issuers[rec.ctx];
    if (!issuer.unloaded) return;
    this.log.record({
      kind: 'use-after-free',
      rule: 'T5',
      message: `${op} on pending fence ${issuer.id}:${this.arena.slotSeqno(rec.slot)} reached driver ${issuer.driverName}, which was unloaded`,
      context: issuer.id,
      seqno: this.arena.slotSeqno(rec.slot),
      detail: { op, driver: issuer.driverName },
    });
  }

  /** dma_fence_is_signaled: the flag, or the issuer's `signaled` hook (which then signals it). */
  isSignaled(rec: FenceRecord, handle: DmaFence): boolean {
    if (this.isSignaledRaw(rec)) return true;
    this.reachIssuer(rec, 'signaled');
    const hook = this.issuers[rec.ctx].ops.signaled;
    if (hook && hook(handle)) {
      this.signal(rec, this.clock.now);
      return true;
    }
    return false;
  }

  /** F13: the issuer's enable hook, at most once; false from it means complete: signal now. */
  enableSignaling(rec: FenceRecord, handle: DmaFence): void {
    const flags = this.arena.slotFlags(rec.slot);
    if (flags & (FS_ENABLED | FS_SIGNALED)) return;
    this.reachIssuer(rec, 'enable_signaling');
    this.arena.setSlotFlag(rec.slot, FS_ENABLED, true);
    const hook = this.issuers[rec.ctx].ops.enableSignaling;
    if (hook && hook(handle) === false) this.signal(rec, this.clock.now);
  }

  /**
   * A fence becomes a scheduler dependency (drm_sched adds a callback to it): a composite is
   * enabled, so that it signals in the arena (where the scheduler's core pass reads it) from its
   * children rather than only when polled. Plain fences are left alone (the core reads them as is).
   */
  enableDependency(f: DmaFence | null): void {
    const rec = f?._record;
    if (rec?.x.composite && this.records[rec.slot] === rec) this.enableSignaling(rec, f!);
  }

  /** F15: forward a deadline hint to the issuer if it is the earliest so far. */
  setDeadline(rec: FenceRecord, tNs: number, handle: DmaFence): void {
    if (this.isSignaledRaw(rec) || tNs >= (rec.x.deadline ?? Infinity)) return;
    this.reachIssuer(rec, 'set_deadline');
    extraOf(rec).deadline = tNs;
    this.issuers[rec.ctx].ops.setDeadline?.(handle, tNs);
  }

  // ── signaling ──

  /**
   * Signals one fence (F2, F3, C3) and runs its callbacks. Returns false if it was already
   * signaled. Under strict, an ordering break throws before anything changes.
   */
  signal(rec: FenceRecord, timestamp: number): boolean {
    const arena = this.arena;
    const st = arena.u32[arena.slotWord(rec.slot)];
    if (this.records[rec.slot] !== rec || st & FS_SIGNALED) return false;
    // A forced signal (F16) breaks no order; under strict an ordering break throws first.
    if (st & FS_FORCED || this.log.strict) return this.#signalChecked(rec, timestamp, (st & FS_FORCED) !== 0);
    const slot = rec.slot;
    const r = this.core.fenceSignal(arena.base, slot, timestamp);
    if (this.sharedOut) publishSignals(arena);
    if (r === SIG_ORDERING) this.#noteOrder(rec);
    // #notify, its usual case (one callback, no waiter: #notifyOne and #call) written out here, so
    // that a signal is one flat body: called as a whole (too big for TurboFan to inline into the
    // caller, whose inlining budget then goes to the handles' small members), never half inlined
    // with its callees left as calls (README Performance, the object API). The rest: #notify.
    const fn = rec.cb;
    if (fn === undefined || rec.x !== NO_EXTRA || this.records[slot] !== rec) {
      this.#notify(rec);
      return true;
    }
    const fence = rec.cbFence!;
    rec.cb = undefined;
    rec.cbFence = undefined;
    rec.notifyPending = true;
    rec.refs++;
    arena.u32[arena.slotWord0 + (slot << SLOT_WORD_SHIFT)] &= ~FS_JS;
    // The handle it was added through may be released by now: then a live one for the call (#call).
    const temp = this.DmaFence._released(fence) ? this.handleOf(rec) : undefined;
    const h = temp ?? fence;
    try {
      fn(h);
    } catch (e) {
      this.callbackErrors.report(e, h);
    }
    // Listeners queued meanwhile (none can be once signaled, but the general path takes any).
    if (rec.cb !== undefined || rec.x !== NO_EXTRA) this.#notifyAll(rec); // (#notifyAll: whatever the cold state holds)
    if (temp !== undefined) this.DmaFence._drop(temp);
    rec.notifyPending = false;
    if (--rec.refs === 0 && this.records[slot] === rec) this.#detach(rec);
    return true;
  }

  /** signal's steps for a forced fence or under strict. */
  #signalChecked(rec: FenceRecord, timestamp: number, forced: boolean): boolean {
    if (this.log.strict && !forced) this.#checkOrder(rec);
    const r = this.core.fenceSignal(this.arena.base, rec.slot, timestamp);
    this.publish();
    if (r === SIG_ORDERING && !forced) this.#noteOrder(rec);
    this.#notify(rec);
    return true;
  }

  /** C3 under strict: signaling past an older pending fence throws before anything changes. */
  #checkOrder(rec: FenceRecord): void {
    const { arena } = this;
    const oldest = arena.ctxOldestPending(rec.ctx);
    if (oldest !== arena.slotSeqno(rec.slot)) this.log.check(this.#ordering(rec.ctx, arena.slotSeqno(rec.slot), oldest!));
  }

  /** C3: the ordering violation the core just reported, recorded. */
  #noteOrder(rec: FenceRecord): void {
    const { arena } = this;
    this.log.note(this.#ordering(rec.ctx, arena.stat(L.H_LAST_ORDER_SEQ), arena.stat(L.H_LAST_ORDER_PENDING)));
  }

  /**
   * Work deferred to the runtime's next drain, never inside the signal call that queued it
   * (composite fences signal there: X1.3, the kernel's irq_work): on the virtual clock, after the
   * event that queued it and before the clock moves on (VirtualClock.afterEvent); for work queued
   * outside a clock event (a signal from user code, the real clock), in a microtask.
   */
  readonly deferred: (() => void)[] = [];
  #deferredHead = 0;
  #microtaskQueued = false;

  /** Queues fn for the next drain (X1.3). */
  defer(fn: () => void): void {
    this.deferred.push(fn);
    if (this.#microtaskQueued) return;
    this.#microtaskQueued = true;
    queueMicrotask(() => {
      this.#microtaskQueued = false;
      if (this.deferred.length !== 0) this.runDeferred();
    });
  }

  /** Runs the deferred work, oldest first, including work queued while it runs. */
  runDeferred(): void {
    const q = this.deferred;
    if (this.#deferredHead !== 0) return; // already running further up the stack: it takes these too
    if (this.life.disposed) {
      q.length = 0; // a disposed runtime signals nothing more
      return;
    }
    try {
      while (this.#deferredHead < q.length) {
        const fn = q[this.#deferredHead++];
        fn();
      }
    } finally {
      q.splice(0, this.#deferredHead); // a throw leaves the rest for the next pass
      this.#deferredHead = 0;
    }
  }

  #ordering(ctx: number, seqno: number, pending: number) {
    const id = this.issuers[ctx].id;
    return {
      kind: 'ordering' as const,
      rule: 'C3',
      message: `context ${id}: seqno ${seqno} signaled while seqno ${pending} is still pending`,
      context: id,
      seqno,
      detail: { pendingSeqno: pending },
    };
  }

  /** The signaling loop for one context (C3), then the callbacks of the fences it signaled. */
  signalUpTo(ctx: number, seqno: number, error: number, timestamp: number): number {
    const first = this.onSignalUpTo ? this.arena.ctxSignaledSeqno(ctx) + 1 : 0;
    const n = this.core.signalUpTo(this.arena.base, ctx, seqno, error, timestamp);
    if (n > 0) this.onSignalUpTo?.(ctx, first, this.arena.ctxSignaledSeqno(ctx), error);
    this.drain();
    return n;
  }

  /**
   * Wakes threads attached with attachRuntime that wait on fences. Costs one atomic load when
   * none waits. Called after every signaling pass.
   */
  publish(): void {
    if (this.sharedOut) publishSignals(this.arena);
  }

  /**
   * False on an owner's table until rt.share(): before that no other thread can know this memory,
   * so none waits on its fences and a signal skips publishSignals (an Atomics.load, which V8 runs
   * as a builtin call: about a third of a plain fence's signal path outside the core).
   */
  sharedOut = true;

  /**
   * Runs callbacks and wakes waiters of fences a core loop signaled, in signal order. The records
   * are taken from the slots before any callback runs and marked notify-pending, so a callback
   * that releases handles or creates fences can neither recycle a slot whose callbacks are still
   * queued nor have a new fence in a reused slot mistaken for an old one.
   */
  drain(): void {
    this.publish();
    const slots = this.arena.takeNotified();
    if (!slots) return;
    const recs: (FenceRecord | undefined)[] = new Array(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const rec = this.records[slots[i]];
      if (rec) rec.notifyPending = true;
      recs[i] = rec;
    }
    for (let i = 0; i < slots.length; i++) {
      const rec = recs[i];
      if (rec) this.#notify(rec);
      else this.core.fenceUnpin(this.arena.base, slots[i]);
    }
  }

  /**
   * F3: after the mark and the timestamp, callbacks in registration order, then waiters. The
   * record holds a reference of its own while they run, so it stays attached to its slot whatever
   * they do; once they have run, a record nobody references leaves its slot.
   */
  #notify(rec: FenceRecord): void {
    if (this.records[rec.slot] !== rec) return;
    if (rec.x.more !== NO_MORE || rec.x.waiters !== NO_WAITERS) this.#notifyAll(rec);
    else if (rec.cb !== undefined) this.#notifyOne(rec);
    else this.#notifyNone(rec);
  }

  /** Nothing to run (the usual handle without listeners): no reference or try needed. */
  #notifyNone(rec: FenceRecord): void {
    rec.notifyPending = false;
    this.#clearJs(rec.slot);
    if (rec.refs === 0) this.#detach(rec);
  }

  /** FS_JS off: no listener left in JS (a store, not setSlotFlag's general form). */
  #clearJs(slot: number): void {
    const { arena } = this;
    const w = arena.slotWord(slot);
    arena.u32[w] &= ~FS_JS;
  }

  /**
   * One callback and no waiter (the usual fence with a listener): the same steps as #notifyAll
   * without its loops and `finally` (#call catches what the callback throws, and nothing else in
   * between throws).
   */
  #notifyOne(rec: FenceRecord): void {
    const fn = rec.cb!;
    const fence = rec.cbFence!;
    rec.cb = undefined;
    rec.cbFence = undefined;
    rec.notifyPending = true;
    rec.refs++;
    this.#clearJs(rec.slot);
    const temp = this.#call(rec, fn, fence, undefined);
    // Listeners queued meanwhile (none can be once signaled, but the general path takes any).
    if (rec.cb !== undefined || rec.x !== NO_EXTRA) this.#notifyAll(rec); // (#notifyAll: whatever the cold state holds)
    if (temp !== undefined) this.DmaFence._drop(temp);
    rec.notifyPending = false;
    rec.refs--;
    if (rec.refs === 0 && this.records[rec.slot] === rec) this.#detach(rec);
  }

  #notifyAll(rec: FenceRecord): void {
    rec.notifyPending = true;
    rec.refs++;
    this.arena.setSlotFlag(rec.slot, FS_JS, false);
    let temp: DmaFence | undefined;
    try {
      while (rec.cb !== undefined) {
        const fn = rec.cb;
        const fence = rec.cbFence!;
        const more = rec.x.more;
        rec.cb = undefined;
        rec.cbFence = undefined;
        if (more !== NO_MORE) rec.x.more = NO_MORE;
        temp = this.#call(rec, fn, fence, temp);
        for (let i = 0; i < more.length; i++) temp = this.#call(rec, more[i].fn, more[i].fence, temp);
      }
      if (rec.x.waiters.length) {
        const ws = rec.x.waiters;
        rec.x.waiters = NO_WAITERS;
        for (const w of ws) w.wake();
      }
    } finally {
      if (temp !== undefined) this.DmaFence._drop(temp);
      rec.notifyPending = false;
      rec.refs--;
      // Nobody references it any more (its emitter's reference went with the signal): leave the slot.
      if (rec.refs === 0 && this.records[rec.slot] === rec) this.#detach(rec);
    }
  }

  /** Runs one callback (F6); an exception goes to callbackErrors. Returns the temporary handle, if one was made. */
  #call(rec: FenceRecord, fn: FenceCallback, fence: DmaFence, temp: DmaFence | undefined): DmaFence | undefined {
    // The handle it was added through may be released by now: then a live one for the call.
    const h = this.DmaFence._released(fence) ? (temp ??= this.handleOf(rec)) : fence;
    try {
      fn(h);
    } catch (e) {
      this.callbackErrors.report(e, h);
    }
    return temp;
  }

  // ── callback errors (callback-errors.ts) ──

  /** Where callback errors go (rt.on('callbackError'), or the call that ran the callbacks). */
  readonly callbackErrors: CallbackErrors;

  /** Listeners of rt.on('callbackError'). */
  get callbackErrorListeners(): Set<CallbackErrorListener> {
    return this.callbackErrors.listeners;
  }

  /** Throws the callback errors kept since the last call (ERR_CALLBACK), if any. */
  rethrowCallbackErrors(): void {
    this.callbackErrors.rethrow();
  }

  // ── listeners ──

  /** F6, F7, F13: false if the fence is (or, per the enable hook, turns out to be) signaled. */
  addCallback(rec: FenceRecord, fn: FenceCallback, handle: DmaFence): boolean {
    const { arena } = this;
    const w = arena.slotWord(rec.slot);
    const st = arena.u32[w];
    if (this.records[rec.slot] !== rec || st & FS_SIGNALED) return false;
    if (this.issuers[rec.ctx].quiet) {
      // No issuer hook to poll or enable (and its driver is loaded): nothing can signal it here.
      arena.u32[w] = st | FS_ENABLED | FS_JS;
    } else if (!this.#enableForCallback(rec, handle)) return false;
    if (rec.cb === undefined) {
      rec.cb = fn;
      rec.cbFence = handle;
    } else this.#moreCallback(rec, fn, handle);
    return true;
  }

  /** addCallback with issuer hooks: polls and enables; false if the fence turns out signaled. */
  #enableForCallback(rec: FenceRecord, handle: DmaFence): boolean {
    if (this.isSignaled(rec, handle)) return false;
    this.enableSignaling(rec, handle);
    if (this.isSignaledRaw(rec)) return false;
    this.arena.setSlotFlag(rec.slot, FS_JS, true);
    return true;
  }

  #moreCallback(rec: FenceRecord, fn: FenceCallback, handle: DmaFence): void {
    const x = extraOf(rec);
    if (x.more === NO_MORE) x.more = [];
    x.more.push({ fn, fence: handle });
  }

  /** F8: true only if fn was still queued (it then never runs). */
  removeCallback(rec: FenceRecord, fn: FenceCallback): boolean {
    if (rec.cb === undefined) return false;
    const more = rec.x.more;
    if (rec.cb === fn) {
      // The next one moves up into the record's own fields (registration order is kept).
      const next = more.length ? more.shift()! : undefined;
      rec.cb = next?.fn;
      rec.cbFence = next?.fence;
    } else {
      const i = more.findIndex((c) => c.fn === fn);
      if (i < 0) return false;
      more.splice(i, 1);
    }
    this.#syncJsFlag(rec);
    return true;
  }

  addWaiter(rec: FenceRecord, w: Waiter): void {
    const x = extraOf(rec);
    if (x.waiters === NO_WAITERS) x.waiters = [];
    x.waiters.push(w);
    this.arena.setSlotFlag(rec.slot, FS_JS, true);
  }

  removeWaiter(rec: FenceRecord, w: Waiter): void {
    const ws = rec.x.waiters;
    const i = ws.indexOf(w);
    if (i >= 0) ws.splice(i, 1);
    this.#syncJsFlag(rec);
  }

  #syncJsFlag(rec: FenceRecord): void {
    // A callback may have released the last handle (and the slot been reused): touch only our own.
    if (this.records[rec.slot] !== rec) return;
    if (!listened(rec) && !this.isSignaledRaw(rec)) this.arena.setSlotFlag(rec.slot, FS_JS, false);
  }

  /**
   * Waits for the first of `recs` to signal (F9, F10): its index, or -1 when timeoutNs passes on
   * the clock (fence-waits.ts). The fences must be pending when called.
   */
  waitAny(recs: FenceRecord[], timeoutNs: number, signal?: AbortSignal): Promise<number> {
    return waitAny(this, recs, timeoutNs, signal);
  }

  /** A reference taken with `rec.refs++` (a wait's) is dropped. */
  unref(rec: FenceRecord): void {
    this.#drop(rec);
  }

  /** Waiters with no timeout on pending fences that nothing can signal any more (fence-waits.ts). */
  blockedWaiters(): number {
    return blockedWaiters(this);
  }

}
