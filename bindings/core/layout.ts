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
 *
 * ```
 * ╒═══════════════════ Arena ═══════════════════════════════════════════════════════════════╕
 * │ Header            HEADER_SIZE bytes: capacities, region offsets, free list, statistics   │
 * ├──────────────────────────────────────────────────────────────────────────────────────────┤
 * │ Context table     maxContexts × CTX_SIZE                                                 │
 * ├──────────────────────────────────────────────────────────────────────────────────────────┤
 * │ Fence slots       maxFences × SLOT_SIZE                                                  │
 * ├──────────────────────────────────────────────────────────────────────────────────────────┤
 * │ Rings             maxRings × (RING_SIZE + capacity × DESC_SIZE)   (H_RINGS_OFF)          │
 * ├──────────────────────────────────────────────────────────────────────────────────────────┤
 * │ DMA memory        dmaBytes, followed by its allocation map        (H_DMA_OFF)            │
 * ╘══════════════════════════════════════════════════════════════════════════════════════════╛
 *
 * ╒═ Header (256 B) ══════════════════════════════════════════════════════════════════════╕
 *   0 magic      4 version    8 maxFences  12 maxContexts 16 ctxOff   20 slotOff
 *  24 freeHead  28 bump      32 inUse     36 ctxCount    40 nextCtxId 44 notifyHead
 *  48 notifyTail 52 ringsOff 56 maxRings  60 dmaOff      64 dmaBytes  68 lastOrderCtx
 *  72 lastOrderSeq (f64)     80 lastOrderPending (f64)
 * 128 stats, f64 each: created, signaled, signalCalls, orderingViolations, jobsSubmitted,
 *     jobsCompleted, dmaBytesWritten, irqsRaised
 * ╘═══════════════════════════════════════════════════════════════════════════════════════╛
 *
 * ╒═ Context entry (48 B) ═══════════════════════════════════════════════╕
 * │ 0 id u32 │ 4 flags u32 │ 8 lastSeqno f64 │ 16 signaledSeqno f64       │
 * │ 24 pendingHead u32 │ 28 pendingTail u32 │ 32 pending u32 │ 36 ring u32 │
 * │ 40 fences ever created (f64)                                         │
 * ╘══════════════════════════════════════════════════════════════════════╛
 *   The pending queue is an intrusive singly-linked list through the slots' `next` words, in
 *   seqno order (seqnos are handed out in order, C2). Fences signaled out of order stay linked
 *   and are unlinked lazily when they reach the head.
 *
 * ╒═ Fence slot (32 B) ═══════════════════════════════════════════════════════════╕
 * │ 0 state u32: flags (low 16) | context index (high 16) │ 4 generation u32       │
 * │ 8 next u32 (pending list, notify list or free list)   │ 12 error i32           │
 * │ 16 seqno f64 (an integer, exact up to 2^53)           │ 24 timestamp f64 (ns)  │
 * ╘═════════════════════════════════════════════════════════════════════════════════╛
 *   A slot is recycled when it is signaled, unpinned (no JS handle), unlinked from its context's
 *   pending list and not waiting in the notify list. Recycling bumps the generation, so a handle
 *   that kept (slot, generation) detects that it is stale.
 * ```
 */

/** Arena magic: "DMAF". */
export const MAGIC = 0x464d4144;
/** Bumped whenever any offset below changes. */
export const LAYOUT_VERSION = 1;
/** "No slot / no context / end of list". */
export const NIL = -1;
/** 16-byte alignment of the arena and of every region. */
export const ALIGN = 16;

// ── Header ──────────────────────────────────────────────────────────────────────────────
export const HEADER_SIZE = 256;
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

// ── Context entry ───────────────────────────────────────────────────────────────────────
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

/** Most contexts one arena holds: a slot keeps its context index in 16 bits. */
export const MAX_CONTEXTS = 65535;

// ── Fence slot ──────────────────────────────────────────────────────────────────────────
export const SLOT_SIZE = 32;
/** log2(SLOT_SIZE): slot index to byte offset. */
export const SLOT_SHIFT = 5;
export const S_STATE = 0;
export const S_GEN = 4;
export const S_NEXT = 8;
export const S_ERROR = 12;
export const S_SEQNO = 16;
export const S_TIMESTAMP = 24;

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

/** fenceSignal results. */
export const SIG_OK = 0;
export const SIG_ALREADY = 1;
/** Signaled, but an older fence of the context was still pending (C3). */
export const SIG_ORDERING = 2;
