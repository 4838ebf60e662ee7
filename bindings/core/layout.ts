/**
 * The arena layout: the one definition of every byte of shared state.
 *
 * This file is compiled twice: by AssemblyScript into the wasm core (assembly/ imports it) and by
 * TypeScript into the ts core and the bindings. It may therefore contain only integer constants
 * written as `export const NAME = <integer expression>;`, valid in both languages.
 *
 * All offsets are in bytes, relative to the arena base the bindings choose (16-byte aligned, above
 * the wasm module's own static data, which is empty: the module allocates nothing). Regions after
 * the header are placed by the bindings at createRuntime and their offsets written into the header,
 * so every instance of the core (one per thread) finds them without mutable statics.
 *
 * Ownership (who writes each word; everybody may read):
 *   header, context table, fence slots ... the driver thread (the thread that owns the Runtime)
 *   ring descriptors, ring tail, STOP ........ the driver thread
 *   ring head, writeback, IRQ, ACK, device ... the device (core-stepped on the virtual clock,
 *                                              its own thread on the real clock)
 *   DMA memory bytes ......................... the device (job writes) and the driver (alloc/free)
 *   remote waiter table entries .............. the attached view that claimed the entry; the driver
 *                                              only frees entries whose lease expired long ago
 *
 * ```
 * ┌──────────────────────────────────────────────────────────────────────────────────────────┐
 * │ Identity          IDENTITY_SIZE bytes just below the arena base: not arena state         │
 * └──────────────────────────────────────────────────────────────────────────────────────────┘
 * ╒═══════════════════ Arena ═══════════════════════════════════════════════════════════════╕
 * │ Header            HEADER_SIZE bytes: capacities, offsets, free list, stats, waiters      │
 * ├──────────────────────────────────────────────────────────────────────────────────────────┤
 * │ Emitter headers   maxEmitters × EH_SIZE: one per attached emitter thread  (H_EMIT_OFF)   │
 * │ Hold table        HOLD_ENTRIES × HOLD_SIZE: fences held for other threads (H_HOLD_OFF)   │
 * ├──────────────────────────────────────────────────────────────────────────────────────────┤
 * │ Context table     maxContexts × CTX_SIZE                                                 │
 * ├──────────────────────────────────────────────────────────────────────────────────────────┤
 * │ Fence slots       totalSlots × HOT_SIZE: the hot words, dense          (H_SLOT_OFF)      │
 * │ Cold slots        totalSlots × COLD_SIZE: seqno, timestamp             (H_COLD_OFF)      │
 * │                   (totalSlots = maxFences, then emitSlots per emitter header)            │
 * ├──────────────────────────────────────────────────────────────────────────────────────────┤
 * │ Rings             maxRings × (RING_SIZE + capacity × SLOT_BYTES)  (H_RINGS_OFF)          │
 * ├──────────────────────────────────────────────────────────────────────────────────────────┤
 * │ DMA memory        dmaBytes, followed by its allocation map        (H_DMA_OFF)            │
 * ├──────────────────────────────────────────────────────────────────────────────────────────┤
 * │ Schedulers        maxSchedulers × SC_SIZE                         (H_SCHED_OFF)          │
 * │ Entities          maxEntities × ET_SIZE                           (H_ENT_OFF)            │
 * │ Job records       maxJobs × SJ_SIZE                               (H_JOB_OFF)            │
 * │ Dependency refs   maxDeps × DP_SIZE (maxDeps = 2 × maxJobs)       (H_DEP_OFF)            │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 * ```
 *
 * Each region is drawn as a box of `offset name` rows right above its constants below
 * (test/layout.test.ts checks every drawn row against the constants).
 */

/** Arena magic: "DMAF". */
export const MAGIC = 0x464d4144;
/** Bumped whenever any offset below changes. */
export const LAYOUT_VERSION = 8;
/** "No slot / no context / end of list". */
export const NIL = -1;
/** 16-byte alignment of the arena and of every region. */
export const ALIGN = 16;

// ── Identity (below the arena base) ────────────────────────────────────────────────────
/*
 * ╒═ Identity (IDENTITY_SIZE = 16 B, at negative offsets: just below the arena base) ════════╕
 * │ -16 runtimeId u32 (lo)   -12 runtimeIdHi u32 (random, < 2^21: the id is a safe integer, not 0) │
 * │  -8 timeBase f64 (wall-clock ms at creation: remote waiters' leases count from it)       │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 *   Written once at creation. Random and wall-clock, so outside the arena proper: the arena's
 *   bytes stay a pure function of the operations on it (both backends write the same bytes).
 */
export const IDENTITY_SIZE = 16;
/** The runtime's identity, two u32 words (lo, hi < 2^21: a safe integer in [1, 2^53)), random,
 *  drawn at creation; every share handle carries it. */
export const H_RUNTIME_ID = -16;
export const H_RUNTIME_ID_HI = -12;
/** Wall-clock ms (performance.timeOrigin + performance.now()) at creation, f64. */
export const H_TIME_BASE = -8;

// ── Header ──────────────────────────────────────────────────────────────────────────────
/*
 * ╒═ Header (HEADER_SIZE = 896 B) ═══════════════════════════════════════════════════════════╕
 * │   0 magic        4 version      8 maxFences   12 maxContexts  16 ctxOff       20 slotOff │
 * │  24 freeHead    28 bump        32 inUse      36 ctxCount     40 nextCtxId    44 notifyHead │
 * │  48 notifyTail  52 ringsOff    56 maxRings   60 dmaOff       64 dmaBytes     68 lastOrderCtx │
 * │  72 lastOrderSeq f64           80 lastOrderPending f64       88 ringCount    92 ringStride │
 * │  96 devNow f64 (last device event)          104 mode (MODE_*)             108 corrCount  │
 * │ 112 dmaMapOff  116 corrOff    120 devRing  124 irqWord (device -> driver, Atomics.wait)  │
 * │ 128 stats, f64 each: 128 created  136 signaled  144 signalCalls  152 ordering            │
 * │      160 jobsSubmitted  168 jobsCompleted  176 dmaBytes  184 irqs  192 corruptions       │
 * │ 200 disposed (1 once the owner disposed the runtime)                                     │
 * │ 204 emitOff (emitter headers)  208 maxEmitters  212 emitSlots  216 totalSlots            │
 * │ 220 holdOff (hold table)   224 coldOff (cold slots)   228 (free, to 236)                 │
 * │ 236 remoteWaiters (total of the table's counts)             240 signalEpoch              │
 * │ 244 deviceCtl    248 doorbell (driver -> device, Atomics.wait)     252 (free)            │
 * │ 256 rwTable: RW_ENTRIES × RW_SIZE, one remote waiter entry per waiting view (to 768)     │
 * │ scheduler regions: 768 schedOff  772 entOff  776 jobOff  780 depOff                      │
 * │ 784 maxScheds  788 maxEnts  792 maxJobs  796 maxDeps  800 schedCount  804 entCount       │
 * │ 808 jobFree  812 jobBump  816 jobsInUse  820 depFree  824 depBump  828 depsInUse         │
 * │ 832 schedKick (a push or kill since the last pass)   836 (free)                          │
 * │ 840 schedSeen f64 (signalCalls at the end of the last pass)   848 (free, to 896)         │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 *   Written and never read (kept for inspection of a dump): maxRings, dmaBytes, lastOrderCtx
 *   (the bindings know the context of the fence they signaled), and the context entry's ring.
 */
export const HEADER_SIZE = 896;
export const H_MAGIC = 0;
export const H_VERSION = 4;
export const H_MAX_FENCES = 8;
export const H_MAX_CONTEXTS = 12;
export const H_CTX_OFF = 16;
export const H_SLOT_OFF = 20;
/** Head of the free-slot list (LIFO: a recycled slot is cache-hot). */
export const H_FREE_HEAD = 24;
/** Slots never used yet start at `bump`: the arena is not touched until it is needed. */
export const H_BUMP = 28;
export const H_IN_USE = 32;
export const H_CTX_COUNT = 36;
/** The global context id counter (C1): the next id to hand out. Starts at 1; 0 is the stub's. */
export const H_NEXT_CTX_ID = 40;
/** Fences with JS callbacks or waiters signaled by a core loop, for the bindings to drain. */
export const H_NOTIFY_HEAD = 44;
export const H_NOTIFY_TAIL = 48;
export const H_RINGS_OFF = 52;
export const H_MAX_RINGS = 56;
export const H_DMA_OFF = 60;
export const H_DMA_BYTES = 64;
/** The last ordering violation the core saw (C3): context index, the seqno signaled, and the
 *  oldest seqno that was still pending. */
export const H_LAST_ORDER_CTX = 68;
export const H_LAST_ORDER_SEQ = 72;
export const H_LAST_ORDER_PENDING = 80;
export const H_RING_COUNT = 88;
export const H_RING_STRIDE = 92;
/** The time of the last event the device engine processed, f64. */
export const H_DEV_NOW = 96;
/** MODE_* bits. */
export const H_MODE = 104;
/** The device runs in its own thread (real clock): completions only publish `retired` and raise
 *  the IRQ word (so do ACKs and effective resets); the driver's interrupt handler signals;
 *  timeouts are the driver's watchdog's. */
export const MODE_DEVICE_THREAD = 1;
/** The device engine's run-length fast path is off: every event takes the general path (the
 *  differential test, test/fast-path.test.ts, compares runs with and without it). */
export const MODE_NO_FAST_PATH = 2;
/** Corruption log: entries written since the bindings last drained it. */
export const H_CORR_COUNT = 108;
/** Owner map and corruption log offsets (from the arena base). */
export const H_DMA_MAP_OFF = 112;
export const H_CORR_OFF = 116;
/** The ring the last DR_TIMEOUT is about. */
export const H_DEV_RING = 120;
/** Bumped (atomically) by the device thread at every interrupt; the driver waits on it. */
export const H_IRQ_WORD = 124;

// Statistics, f64 counters (exact to 2^53, never wrap).
export const H_STATS = 128;
export const ST_CREATED = 128;
export const ST_SIGNALED = 136;
export const ST_SIGNAL_CALLS = 144;
export const ST_ORDERING = 152;
export const ST_JOBS_SUBMITTED = 160;
export const ST_JOBS_COMPLETED = 168;
export const ST_DMA_BYTES = 176;
export const ST_IRQS = 184;
export const ST_CORRUPTIONS = 192;

/** 1 once the owner disposed the runtime (it then bumps and notifies the signal epoch). */
export const H_DISPOSED = 200;
/** The emitter headers (layout.ts, "Emitter header"): their offset from the base, how many,
 *  the fence slots each owns, and the slot array's length (maxFences + maxEmitters × emitSlots). */
export const H_EMIT_OFF = 204;
export const H_MAX_EMITTERS = 208;
export const H_EMIT_SLOTS = 212;
export const H_TOTAL_SLOTS = 216;
/** The hold table (layout.ts, "Hold entry"): its offset from the base. */
export const H_HOLD_OFF = 220;
/** The cold slot array (layout.ts, "Fence cold slot"): its offset from the base. */
export const H_COLD_OFF = 224;
/** Total of the remote waiter table's counts: the owner's one load per signaling pass. */
export const H_REMOTE_WAITERS = 236;
/** Bumped by the driver after signaling while remote waiters exist, and at dispose; attached
 *  views Atomics.wait on it. */
export const H_SIGNAL_EPOCH = 240;
/** Device thread control: DEVICE_RUN, or DEVICE_EXIT to end it (driver writes, device reads). */
export const H_DEVICE_CTL = 244;
export const DEVICE_RUN = 1;
export const DEVICE_EXIT = 2;
/** Bumped (atomically) by the driver when it gives the device work or a request. */
export const H_DOORBELL = 248;

/** Scheduler regions (layout.ts "Scheduler" and after): offsets from the arena base. */
export const H_SCHED_OFF = 768;
export const H_ENT_OFF = 772;
export const H_JOB_OFF = 776;
export const H_DEP_OFF = 780;
export const H_MAX_SCHEDS = 784;
export const H_MAX_ENTS = 788;
export const H_MAX_JOBS = 792;
export const H_MAX_DEPS = 796;
export const H_SCHED_COUNT = 800;
export const H_ENT_COUNT = 804;
/** Free lists of job records and dependency references (LIFO), and their never-used bumps. */
export const H_JOB_FREE = 808;
export const H_JOB_BUMP = 812;
export const H_JOBS_IN_USE = 816;
export const H_DEP_FREE = 820;
export const H_DEP_BUMP = 824;
export const H_DEPS_IN_USE = 828;
/** Non-zero: a push, kill or flag change since the last scheduler pass (the pass clears it). */
export const H_SCHED_KICK = 832;
/** ST_SIGNAL_CALLS when the last pass ended: a different value means some fence signaled since. */
export const H_SCHED_SEEN = 840;

/** The remote waiter table: one entry per attached view that waits (claimed by the view). */
export const RW_TABLE = 256;
export const RW_ENTRIES = 64;
export const RW_SIZE = 8;
/*
 * ╒═ Remote waiter entry (RW_SIZE = 8 B, RW_ENTRIES of them at RW_TABLE) ════════════════════╕
 * │ 0 claim i32: tag << RW_TAG_SHIFT | RW_CLAIMED | count (waits of that view, <= RW_COUNT_MAX) │
 * │ 4 lease i32: ms since timeBase until which the view promises to look again (wraps)       │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 *   A free entry keeps its last tag, so a claim is never taken for another's. Leases wrap:
 *   compare with (int32)(a - b). The views write their own entries (compareExchange); the owner
 *   frees entries whose lease expired long ago (compareExchange too), subtracting their count
 *   from remoteWaiters.
 */
/** tag << RW_TAG_SHIFT | RW_CLAIMED | count. */
export const RW_CLAIM = 0;
/** ms since H_TIME_BASE (wrapping i32) until which the view's registration is good. */
export const RW_LEASE = 4;
export const RW_TAG_SHIFT = 16;
export const RW_CLAIMED = 0x8000;
export const RW_COUNT_MAX = 0x7fff;

// ── Emitter header ──────────────────────────────────────────────────────────────────────
/*
 * ╒═ Emitter header (EH_SIZE = 256 B, maxEmitters of them at H_EMIT_OFF) ═══════════════════╕
 * │ 0..203: a copy of the header's words the fence core uses, rebased: given this entry's    │
 * │   address as its base, the core finds the one context table and slot arrays (ctxOff,     │
 * │   slotOff and coldOff here are the main ones minus this entry's offset) and its own free │
 * │   list, bump, inUse, notify list, ordering words and stats. bump starts at, and          │
 * │   maxFences is the end of, this entry's slot range; inUse counts from the range's first  │
 * │   slot, so maxFences - inUse is the room left, as in the main header.                    │
 * │ 204 claim i32 (0 free, else the claimer's tag)    208 lease i32 (ms since timeBase)      │
 * │ 212 (free)   224 coldOff (as the header's word at 224: rebased too)   228 (free, to 256) │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 *   An attached thread that creates contexts claims one entry (compareExchange on claim) and is
 *   then the only writer of the entry, of its slot range, and of its contexts' entries and
 *   fences (C5): single-writer regions, plain stores, the same core code as the owner's. Only
 *   the context table index and the context id are shared counters (Atomics.add). A claim is
 *   given back by art.dispose() with every slot of its range free again.
 */
export const EH_SIZE = 256;
/** 0 free; else the claimer's tag (never 0). */
export const EH_CLAIM = 204;
/** ms since H_TIME_BASE (wrapping i32) at which the claimer last showed it was alive. */
export const EH_LEASE = 208;
/** The cold slot array's offset from this entry: the core reads it where it reads H_COLD_OFF. */
export const EH_COLD_OFF = H_COLD_OFF;

// ── Hold entry ──────────────────────────────────────────────────────────────────────────
/*
 * ╒═ Hold entry (HOLD_SIZE = 12 B, HOLD_ENTRIES of them at H_HOLD_OFF) ══════════════════════╕
 * │ 0 word i32: state (HS_*, the low two bits), then by kind:                                │
 * │   handle entry (ISSUED, CLOSED): issuer << HD_ISSUER_SHIFT (the owner: 0; emitter header │
 * │   k: k + 1) | nonce << HD_NONCE_SHIFT                                                    │
 * │   view entry (VIEW): handle entry << HV_LINK_SHIFT | its nonce's low bits << HV_TAG_SHIFT│
 * │ 4 lease i32: ms since timeBase: a handle entry's issue time; a view's last renewal       │
 * │ 8 slot i32: a handle entry's slot (its issuer's numbering); unused in a view entry       │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 *   fence.share() on a fence's emitter thread takes a reference there (the slot stays pinned)
 *   and issues a handle entry (compareExchange from free); the handle names it and its exact
 *   word. Each view made from the handle, in any thread, claims a view entry linked to it (its
 *   one reference), renews its lease, and frees it on release (dispose, GC). The issuer closes
 *   the handle entry when a view of it is released or nobody adopted it in time, frees view
 *   entries whose lease expired (their thread ended), and drops its reference at the first scan
 *   that finds the entry closed with no view left. Every change of a word is a compareExchange.
 *   An issuer that leaves (an attached thread's dispose, or the reclaim of one that ended) keeps
 *   the entries a live view still links to, closed, with their slots pinned: the next claimer of
 *   the same emitter header adopts them and unpins each slot once its last view is gone.
 */
export const HOLD_SIZE = 12;
export const HOLD_ENTRIES = 1024;
export const HD_WORD = 0;
export const HD_LEASE = 4;
export const HD_SLOT = 8;
export const HS_FREE = 0;
export const HS_ISSUED = 1;
export const HS_CLOSED = 2;
export const HS_VIEW = 3;
export const HD_ISSUER_SHIFT = 2;
export const HD_NONCE_SHIFT = 10;
export const HV_LINK_SHIFT = 2;
export const HV_TAG_SHIFT = 12;
export const HV_TAG_MASK = 0x7ffff;

// ── Context entry ───────────────────────────────────────────────────────────────────────
/*
 * ╒═ Context entry (CTX_SIZE = 48 B) ════════════════════════════════════════════════════════╕
 * │ 0 id u32 │ 4 flags u32 (CF_*) │ 8 lastSeqno f64 │ 16 signaledSeqno f64                   │
 * │ 24 head u32 (oldest pending) │ 28 tail u32 (newest pending) │ 32 pending u32 │ 36 ring u32 │
 * │ 40 created f64 (fences ever created)                                                     │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 *   The pending queue is an intrusive singly-linked list through the slots' `next` words, in
 *   seqno order (seqnos are handed out in order, C2). Fences signaled out of order stay linked
 *   and are unlinked lazily when they reach the head.
 *   Between core calls head is NIL or the oldest unsignaled fence, and a fence's head link
 *   is written before lastSeqno moves past it: a view in another thread proves with it (and
 *   signaledSeqno) that a fence whose slot has moved on was signaled.
 *   `ring` (the owning ring's index, or NIL) is written and never read.
 */
export const CTX_SIZE = 48;
export const C_ID = 0;
export const C_FLAGS = 4;
export const C_LAST_SEQNO = 8;
export const C_SIGNALED_SEQNO = 16;
export const C_HEAD = 24;
export const C_TAIL = 28;
export const C_PENDING = 32;
/** Index of the ring that owns this context, or NIL. */
export const C_RING = 36;
export const C_CREATED = 40;

/** Context flags. */
export const CF_LIVE = 1;
/** Seqnos compare as 64-bit numbers (F11); otherwise by the wrapping 32-bit rule. */
export const CF_SEQNO64 = 2;
/** Flag bits 8..15: 1 + the emitter header index of the attached thread that emits on this
 *  context (0: the owner thread). */
export const CF_EMITTER_SHIFT = 8;

/** Most contexts one arena holds: a slot keeps its context index in 16 bits. */
export const MAX_CONTEXTS = 65535;

// ── Fence slot ──────────────────────────────────────────────────────────────────────────
/*
 * ╒═ Fence slot (HOT_SIZE = 16 B, totalSlots of them at H_SLOT_OFF: the hot words) ═════════╕
 * │ 0 state u32: flags (low half) | context index (high half)   │ 4 gen u32 (generation)     │
 * │ 8 next u32 (pending list, notify list or free list)   │ 12 error i32                     │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 *   A fence is slot i of this array and of the cold array below (FENCE_BYTES = 32 B per fence),
 *   split so that the words the common drain reads and writes (state, generation, link) sit
 *   dense, four fences per 64-byte line.
 *   A slot is recycled when it is signaled, unpinned (no JS handle), unlinked from its context's
 *   pending list and not waiting in the notify list. Recycling bumps the generation, so a handle
 *   that kept (slot, generation) detects that it is stale; a reader also checks the context index
 *   and the seqno, so a generation that wrapped (2^32 recycles) never makes a stale handle read a
 *   newer fence.
 *   A fence that a signaling loop recycles at once (no handle, callbacks, holder or notify entry)
 *   never shows SIGNALED in its state word: the state goes from pending to cleared, so nobody can
 *   read its timestamp (a view reads it only after it saw SIGNALED at the same generation), and
 *   the loops do not write it: the slot keeps its cold words from its creation (timestamp 0).
 *   Publication order (both cores; readers in other threads rely on it, seqlock style): a signal
 *   writes error and timestamp before the state word's SIGNALED bit (an atomic store where the
 *   slot is kept); a recycle clears the state word before it bumps the generation; a core call
 *   that may reuse a recycled slot first runs a barrier (an atomic read-modify-write), so a new
 *   fence's words are never visible before the generation bump; a new fence's state word is
 *   written last (after its cold words).
 */
export const HOT_SIZE = 16;
/** log2(HOT_SIZE): slot index to byte offset in the hot array. */
export const HOT_SHIFT = 4;
export const S_STATE = 0;
export const S_GEN = 4;
export const S_NEXT = 8;
export const S_ERROR = 12;
/*
 * ╒═ Fence cold slot (COLD_SIZE = 16 B, totalSlots of them at H_COLD_OFF, same index) ═══════╕
 * │ 0 seqno f64 (an integer, exact up to 2^53)            │ 8 timestamp f64 (ns)             │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 *   Written when the fence is created (seqno, timestamp 0) and when it signals where its slot is
 *   kept (timestamp); read by handles, views, a signal that does not cover the whole pending list,
 *   and the fast paths' check that a context's oldest fence is the completing job's.
 */
export const COLD_SIZE = 16;
/** log2(COLD_SIZE): slot index to byte offset in the cold array. */
export const COLD_SHIFT = 4;
export const CS_SEQNO = 0;
export const CS_TIMESTAMP = 8;
/** Arena bytes per fence slot, both arrays. */
export const FENCE_BYTES = HOT_SIZE + COLD_SIZE;

/** The context index lives in the high 16 bits of the state word. */
export const STATE_CTX_SHIFT = 16;
export const STATE_FLAGS_MASK = 0xffff;

/** Slot flags (low 16 bits of the state word). */
export const FS_ALLOC = 1;
export const FS_SIGNALED = 2;
/** Still linked in its context's pending list. */
export const FS_QUEUED = 4;
/** A JS handle (DriverFence / DmaFence) holds the slot: it is not recycled. */
export const FS_PINNED = 8;
/** Has JS callbacks or waiters: a core signaling loop queues it on the notify list. */
export const FS_JS = 16;
/** Linked in the notify list until the bindings drain it. */
export const FS_NOTIFY = 32;
/** The issuer's enable-signaling hook has run (F13). */
export const FS_ENABLED = 64;
/** Signaled by the F16 safety net or by a drop: the bindings record no ordering violation. */
export const FS_FORCED = 128;
/** A scheduler holds it (the hardware fence of a job it wrote into a ring): not recycled until
 *  the scheduler has read its error (S6). */
export const FS_SCHED = 256;

// ── Ring ────────────────────────────────────────────────────────────────────────────────
/*
 * ╒═ Ring (RING_SIZE = 256 B header, capacity × DESC_SIZE descriptors, capacity start times) ═╕
 * │ driver:  0 state  4 capacity  8 mask  12 ctx  16 tail  20 sigIdx  24 stop  28 inject     │
 * │          32 timeoutNs f64     40 flags (RGF_*)     44 zeroFrom     48 (free, to 64)      │
 * │ device:  64 head (fetched)  68 retired  72 irqs  76 ack  80 engine (EN_*)  84 prng       │
 * │          88 writeback f64   96 curStart f64  104 curEnd f64  112 curDur f64              │
 * │          120 curWritten u32  124 curFlags (JF_*)  128 nextT f64                          │
 * │          136 ackAt f64 (ACK due)          144 resetAt f64 (reset effective)               │
 * │          152 trailAt f64 (an aborted job's last burst lands, writesAfterAckNs)          │
 * │ config:  160 baseNs f64  168 perByteNs f64  176 jitter f64  184 pHang f64  192 pSlow f64 │
 * │          200 pLostIrq f64  208 ackNs f64  216 resetNs f64  224 ackMode u32               │
 * │ request: 228 resetReq                                                                    │
 * │ config:  232 stopMode u32  236 trailIdx u32 (device)  240 writesAfterAckNs f64           │
 * │          248 pLostWb f64                                                                 │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 *   tail, head, retired and sigIdx are free-running u32 counters; index = counter & mask.
 *   head - retired: jobs the device holds (at most one running); tail - sigIdx: jobs in flight
 *   (their fences are pending); the ring is full when tail - sigIdx == capacity (R1, R3).
 *   The device's half of the protocols is in the core engine, the same on both clocks: the
 *   driver writes requests (stop = 1, resetReq = 1) and observes answers (ack = 1, resetReq = 2,
 *   raised as DR_ACK / DR_RESET on the virtual clock and on the IRQ word on the real clock);
 *   the engine notes when it saw a request (ackAt, resetAt; -1 when none is due) and answers
 *   at that time as a ring event, before the job events of that time. The one handover: after the engine halts (EN_HALTED, at the ACK or the effective
 *   reset), the driver re-seats head/retired (it signals, cancels and restarts the ring).
 */
export const RING_SIZE = 256;
export const R_STATE = 0;
export const R_CAPACITY = 4;
export const R_MASK = 8;
export const R_CTX = 12;
export const R_TAIL = 16;
/** Jobs whose fences the driver's IRQ handler has signaled (or the protocols have). */
export const R_SIG_IDX = 20;
export const R_STOP = 24;
/** Faults armed on demand for the next job (JF_HANG | JF_SLOW | JF_LOST_IRQ), and JF_NO_ACK for the next STOP. */
export const R_INJECT = 28;
export const R_TIMEOUT_NS = 32;
export const R_FLAGS = 40;
/**
 * Every job from this index (a free-running counter, as tail) to the tail has no bytes (its
 * descriptor's bytes are 0), at most capacity jobs back: kept by every submission (markZeroFrom in
 * assembly/submit.ts), so that the device's fast paths know those jobs' sizes without reading
 * their descriptors.
 */
export const R_ZERO_FROM = 44;
export const R_HEAD = 64;
export const R_RETIRED = 68;
export const R_IRQS = 72;
export const R_ACK = 76;
export const R_ENGINE = 80;
export const R_PRNG = 84;
export const R_WRITEBACK = 88;
export const R_CUR_START = 96;
export const R_CUR_END = 104;
export const R_CUR_DUR = 112;
export const R_CUR_WRITTEN = 120;
export const R_CUR_FLAGS = 124;
export const R_NEXT_T = 128;
/** When the engine ACKs the STOP it saw (ackNs, × ACK_DELAY_FACTOR if delayed; Infinity: never), f64; -1: none due. */
export const R_ACK_AT = 136;
/** When the requested reset becomes effective (resetNs after the engine saw it), f64; -1: none due. */
export const R_RESET_AT = 144;
/** When the job aborted by the ACK writes its remaining chunks (writesAfterAckNs after the ACK), f64; -1: none. */
export const R_TRAIL_AT = 152;
export const R_BASE_NS = 160;
export const R_PER_BYTE_NS = 168;
export const R_JITTER = 176;
export const R_P_HANG = 184;
export const R_P_SLOW = 192;
export const R_P_LOST_IRQ = 200;
export const R_ACK_NS = 208;
export const R_RESET_NS = 216;
/** 0 ok, 1 delayed (ACK_DELAY_FACTOR × ackNs), 2 never. */
export const R_ACK_MODE = 224;
/** The driver writes 1 to request a reset; the engine writes 2 once it is effective (both clocks). */
export const R_RESET_REQ = 228;
/** What STOP does to the running job: 0 abort (then ACK), 1 finish (then ACK). */
export const R_STOP_MODE = 232;
/** The descriptor index of the job whose last burst is still to land (EN_TRAILING). */
export const R_TRAIL_IDX = 236;
/** How long after its ACK the aborted job still writes its remaining bytes, ns (0: the ACK is the truth). */
export const R_WRITES_AFTER_ACK_NS = 240;
/** Per-job probability of a lost write-back (JF_LOST_WB). */
export const R_P_LOST_WB = 248;
/** A delayed ACK comes this many times ackNs after STOP. */
export const ACK_DELAY_FACTOR = 20;

/** Ring states (R5). */
export const RS_RUNNING = 0;
export const RS_STOPPING = 1;
export const RS_STOPPED = 2;
export const RS_FAULTED = 3;
export const RS_RESETTING = 4;
export const RS_DROPPED = 5;

/** Ring flags (driver). */
export const RGF_STOPPABLE = 1;
/** Draw from the PRNG at job start (some fault probability or jitter is non-zero). */
export const RGF_RANDOM = 2;
/** The IRQ handler is gone (dropped ring): completions signal nothing (T4). */
export const RGF_NO_IRQ_HANDLER = 4;
/** The bindings wait on this ring (space, a draining stop): return to them at every retirement. */
export const RGF_WAKE = 8;
/** Tracing (createRuntime({ trace: true })): return at every retirement so the job is recorded. */
export const RGF_TRACE = 16;

/** Engine flags (device). */
export const EN_BUSY = 1;
/** Halted by an ACK or an effective reset: executes and writes nothing until restarted (D4). */
export const EN_HALTED = 2;
/** Halted by an ACK, but the aborted job's last burst is still to land (writesAfterAckNs, at R_TRAIL_AT). */
export const EN_TRAILING = 4;

/** Job flags (per running job). */
export const JF_HANG = 1;
export const JF_SLOW = 2;
export const JF_LOST_IRQ = 4;
/** Armed in R_INJECT only (inject('noAck')): the next STOP this engine sees gets no ACK. */
export const JF_NO_ACK = 8;
/** The job completes but its write-back is lost: no writeback store, no IRQ (inject('lostWriteback')). */
export const JF_LOST_WB = 16;

/** A slow job takes this many times its duration. */
export const SLOW_FACTOR = 10;
/** A job writes its bytes in this many equal chunks, at equal steps of its duration (D1). */
export const DMA_CHUNKS = 4;

// ── Descriptor ──────────────────────────────────────────────────────────────────────────
/*
 * ╒═ Descriptor (DESC_SIZE = 24 B, written by the driver) ═══════════════════════════════════╕
 * │ 0 seqno f64 │ 8 dst u32 │ 12 bytes u32 │ 16 pattern u32 │ 20 allocId u32                 │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 * ╒═ Start times (START_SIZE = 8 B each, after the ring's capacity × DESC_SIZE descriptors) ══╕
 * │ 0 start f64 (when the device fetched the descriptor of the same index; device-written)   │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 *   A ring of capacity c: descriptors at RING_SIZE, start times at RING_SIZE + c × DESC_SIZE.
 *   The start time is the one word of a job the device writes: kept off the cache lines the
 *   driver writes descriptors into (on the real clock the two threads would share them).
 *   A ring takes at most RING_SIZE + capacity × SLOT_BYTES (the stride: maxRingCapacity).
 */
export const DESC_SIZE = 24;
export const D_SEQNO = 0;
export const D_DST = 8;
export const D_BYTES = 12;
export const D_PATTERN = 16;
export const D_ALLOC_ID = 20;
export const START_SIZE = 8;
export const T_START = 0;
/** Bytes per ring slot: its descriptor and its start time (a multiple of ALIGN). */
export const SLOT_BYTES = DESC_SIZE + START_SIZE;

// ── DMA memory ──────────────────────────────────────────────────────────────────────────
/*
 * ╒═ DMA region (at H_DMA_OFF) ══════════════════════════════════════════════════════════════╕
 * │ dmaBytes of memory │ owner map (at H_DMA_MAP_OFF): u32 allocation id per DMA_GRANULE bytes │
 * │ corruption log (at H_CORR_OFF): CORR_CAP entries × CORR_SIZE                             │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 *   An allocation stamps a fresh id over its granules; free stamps 0. A job records the id of
 *   its target at submit; a DMA write into a granule whose id differs is a corruption (M2).
 */
/** Allocation granule: ownership is tracked per 64 bytes. */
export const DMA_GRANULE = 64;
export const DMA_GRANULE_SHIFT = 6;
export const CORR_CAP = 256;
/*
 * ╒═ Corruption entry (CORR_SIZE = 32 B) ════════════════════════════════════════════════════╕
 * │ 0 ring u32 │ 4 dst u32 │ 8 seqno f64 │ 16 expected u32 (allocation id) │ 20 found u32    │
 * │ 24 time f64                                                                              │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 */
export const CORR_SIZE = 32;
export const CE_RING = 0;
export const CE_DST = 4;
export const CE_SEQNO = 8;
export const CE_EXPECTED = 16;
export const CE_FOUND = 20;
export const CE_TIME = 24;

// ── Scheduler (S, Q) ────────────────────────────────────────────────────────────────────
/*
 * ╒═ Scheduler (SC_SIZE = 64 B, maxSchedulers of them at H_SCHED_OFF) ═══════════════════════╕
 * │ 0 ring i32 │ 4 flags u32 (SCF_*) │ 8 creditLimit u32 │ 12 creditCount u32                │
 * │ 16 entHead i32 (its entities, linked by ET_NEXT)    20 entTail i32                       │
 * │ 24 ringHead i32 (its oldest job on the ring)   28 ringTail i32 (linked by SJ_RING_NEXT)  │
 * │ 32 order u32 (0: fifo, 1: round robin)   36 rrLast i32 (the entity picked last)            │
 * │ 40 pushed f64 (jobs ever pushed: the FIFO key)   48 queued u32 (jobs not yet run)        │
 * │ 52 hangLimit u32   56 (free, to 64)                                                      │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 *   A job queue (Q) is a scheduler with one entity that has no scheduled context.
 *   Written by the driver thread only: the core's pass, and the bindings at creation and for
 *   flags. The pass runs on the virtual clock inside devicesRun (after each completion) and
 *   whenever the bindings call it (real clock: in the interrupt handler).
 */
export const SC_SIZE = 64;
export const SC_RING = 0;
export const SC_FLAGS = 4;
export const SC_CREDIT_LIMIT = 8;
export const SC_CREDIT_COUNT = 12;
export const SC_ENT_HEAD = 16;
export const SC_ENT_TAIL = 20;
export const SC_RING_HEAD = 24;
export const SC_RING_TAIL = 28;
export const SC_ORDER = 32;
export const SC_RR_LAST = 36;
export const SC_PUSHED = 40;
export const SC_QUEUED = 48;
export const SC_HANG_LIMIT = 52;

/** Scheduler flags. */
export const SCF_LIVE = 1;
/** fini/drop began: no job goes to the ring any more. */
export const SCF_STOPPED = 2;
/** fini/drop: every job not yet run finishes -ECANCELED, in order, dependencies or not. */
export const SCF_CANCEL = 4;
/** The bindings wait on it (flush, fini, trace): the pass returns DR_SCHED when it changes anything. */
export const SCF_WAKE = 8;
/** The last pass could not write into the ring (not running, or no fence slot): retry when it runs. */
export const SCF_RING_WAIT = 16;
/** The last pass found a head job waiting for a dependency (the pass repeats if a later one signaled). */
export const SCF_DEP_WAIT = 32;
/** The last pass found its ring full: any completion on it may make room (its jobs or others'). */
export const SCF_RING_FULL = 64;

/*
 * ╒═ Entity (ET_SIZE = 64 B, maxEntities of them at H_ENT_OFF) ══════════════════════════════╕
 * │ 0 sched i32 │ 4 flags u32 (ETF_*) │ 8 priority u32 (0: kernel .. 3: low) │ 12 schedCtx i32 │
 * │ 16 finCtx i32 (context indices; schedCtx NIL in a job queue)   20 next i32 (entity list) │
 * │ 24 head i32 (oldest unfinished job)  28 tail i32 (newest)  32 cursor i32 (oldest not run) │
 * │ 36 karma u32 (timeouts blamed on it, S7)   40 seqno f64 (the last handed out, S2)        │
 * │ 48 queued u32 (jobs not yet run)   52 (free, to 64)                                      │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 *   Its jobs form one list head -> tail through SJ_NEXT in seqno order; cursor splits it into
 *   run (on the ring or finished by the pass, awaiting their finished fence in order) and queued.
 */
export const ET_SIZE = 64;
export const ET_SCHED = 0;
export const ET_FLAGS = 4;
export const ET_PRIORITY = 8;
export const ET_SCHED_CTX = 12;
export const ET_FIN_CTX = 16;
export const ET_NEXT = 20;
export const ET_HEAD = 24;
export const ET_TAIL = 28;
export const ET_CURSOR = 32;
export const ET_KARMA = 36;
export const ET_SEQNO = 40;
export const ET_QUEUED = 48;

/** Entity flags. */
export const ETF_LIVE = 1;
/** S8: killed; its queued jobs finish -ESRCH. */
export const ETF_KILLED = 2;
/** S7: guilty (karma reached the hang limit); its later jobs finish -ECANCELED. */
export const ETF_GUILTY = 4;

/*
 * ╒═ Job record (SJ_SIZE = 80 B, maxJobs of them at H_JOB_OFF) ══════════════════════════════╕
 * │ 0 entity i32 │ 4 next i32 (entity list, or free list) │ 8 flags u32 (SJF_*) │ 12 credits │
 * │ 16 seqno f64 (on both its fences)          24 order f64 (the scheduler's push count)     │
 * │ 32 hwSlot i32 (its ring fence, held FS_SCHED)   36 ringNext i32   40 error i32            │
 * │ 44 deps i32 (its unresolved dependency references)                                       │
 * │ 48 dst u32  52 bytes u32  56 pattern u32  60 allocId u32 (the descriptor it will write)   │
 * │ 64 afterCtx i32 (NIL: none)   68 (free)   72 afterSeqno f64 (pushBatch's `after`)         │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 */
export const SJ_SIZE = 80;
export const SJ_ENTITY = 0;
export const SJ_NEXT = 4;
export const SJ_FLAGS = 8;
export const SJ_CREDITS = 12;
export const SJ_SEQNO = 16;
export const SJ_ORDER = 24;
export const SJ_HW_SLOT = 32;
export const SJ_RING_NEXT = 36;
export const SJ_ERROR = 40;
export const SJ_DEPS = 44;
export const SJ_DST = 48;
export const SJ_BYTES = 52;
export const SJ_PATTERN = 56;
export const SJ_ALLOC_ID = 60;
export const SJ_AFTER_CTX = 64;
export const SJ_AFTER_SEQNO = 72;

/** Job flags. */
export const SJF_DEPS_OK = 1;
/** Its outcome is known (SJ_ERROR): the finished fence signals once every older one has. */
export const SJF_DONE = 2;
/** Its `after` context is a pipelined scheduled context (S3): afterCtx + 1 is the finished one. */
export const SJF_AFTER_PIPELINED = 4;

/*
 * ╒═ Dependency reference (DP_SIZE = 32 B, maxDeps of them at H_DEP_OFF) ════════════════════╕
 * │ 0 next i32 │ 4 slot i32 (NIL: by context, PIPELINED_SLOT: pipelined) │ 8 gen u32 │ 12 ctx │
 * │ 16 seqno f64   24 (free, to 32)                                                          │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 *   By slot: signaled once the slot is signaled, or holds another generation, context or seqno
 *   (recycled: it was signaled). By context: once the context's signaledSeqno reaches seqno
 *   (scheduled contexts and rings signal in order).
 */
export const DP_SIZE = 32;
export const DP_NEXT = 0;
export const DP_SLOT = 4;
export const DP_GEN = 8;
export const DP_CTX = 12;
export const DP_SEQNO = 16;
/** DP_SLOT of a pipelined reference (S3): by the scheduled context in DP_CTX; its finished
 *  context, DP_CTX + 1, for a job that will not reach the ring (killed, guilty). */
export const PIPELINED_SLOT = -2;

/** schedPush flags. */
export const PUSH_PIN = 1;
export const PUSH_AFTER_PIPELINED = 2;

/** Errors the pass sets (negative errnos): -ECANCELED, -ESRCH. */
export const ERRNO_CANCELED = -125;
export const ERRNO_SRCH = -3;

// ── Core call results (return values, not arena words) ──────────────────────────────────
/** devicesRun results (bit set). */
export const DR_IDLE = 0;
/** Fences with JS callbacks or waiters were signaled: drain the notify list. */
export const DR_NOTIFY = 1;
/** A ring's oldest job ran past its timeout (R6): ring index in H_DEV_RING. */
export const DR_TIMEOUT = 2;
/** Corruption entries were logged (M2). */
export const DR_CORRUPTION = 4;
/** A job retired on a ring flagged RGF_WAKE. */
export const DR_RETIRE = 8;
/** A ring's engine ACKed its STOP (R_ACK = 1): the bindings observe it. */
export const DR_ACK = 16;
/** A ring's requested reset became effective (R_RESET_REQ = 2): the bindings observe it. */
export const DR_RESET = 32;

/** A scheduler flagged SCF_WAKE changed (a job ran or finished): the bindings look. */
export const DR_SCHED = 64;
/** schedPass only: it wrote jobs into rings (devicesRun rescans the rings' next events). */
export const SP_RAN = 128;

/** fenceSignal results. */
export const SIG_OK = 0;
export const SIG_ALREADY = 1;
/** Signaled, but an older fence of the context was still pending (C3). */
export const SIG_ORDERING = 2;
