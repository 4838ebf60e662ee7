/**
 * The core contract: the hot functions both backends implement over the same arena bytes.
 *
 * Contract: called only from the thread that owns the Runtime; `base` is the arena's byte offset
 * in the memory; no function allocates. The wasm backend is assembly/ compiled by asc; the ts
 * backend (ts-core.gen.ts) is generated from the same assembly/ sources by scripts/gen-ts-core.mjs.
 * Results and arena effects are identical, which the differential tests check.
 */
export interface Core {
  readonly backend: 'wasm' | 'ts';
  /** The compiled module (wasm backend): rt.share() hands it to attached threads. */
  readonly module?: WebAssembly.Module;
  /** F11: 1 if seqno a is later than b (32-bit wrapping rule unless seqno64), else 0. */
  isLater(a: number, b: number, seqno64: number): number;
  /** One pending, pinned fence on context index ctx; its slot, or NIL when the arena is full. */
  fenceCreate(base: number, ctx: number): number;
  /** n unpinned fences (all or nothing): n, or 0 when fewer than n slots are free. */
  fencesCreate(base: number, ctx: number, n: number): number;
  /** SIG_OK, SIG_ALREADY or SIG_ORDERING. */
  fenceSignal(base: number, slot: number, timestamp: number): number;
  /** How many fences it signaled; notify-flagged ones are queued on the notify list. */
  signalUpTo(base: number, ctx: number, seqno: number, error: number, timestamp: number): number;
  /** 0, or 1 if the fence is already signaled (nothing changed). */
  fenceSetError(base: number, slot: number, error: number): number;
  fenceUnpin(base: number, slot: number): void;
  /** n jobs on ring `ring` (pin: one job, its fence pinned; returns the slot). -1 ring full, -2 no fence slots. */
  ringSubmit(base: number, ring: number, n: number, dst: number, bytes: number, pattern: number, allocId: number, pin: number, now: number): number;
  /** Recomputes the ring's next device event after the bindings changed its state. */
  ringReschedule(base: number, ring: number, now: number): void;
  /** Steps every device through the events at or before `until`; DR_* bits, 0 when idle. */
  devicesRun(base: number, until: number): number;
  /** A scheduler lets go of a ring fence it held (FS_SCHED); recycled if nothing else holds it. */
  fenceUnhold(base: number, slot: number): void;
  /** S2: n jobs on entity `ent` (flags: PUSH_PIN, PUSH_AFTER_PIPELINED); the first job record, -1 no job record, -2 no fence slot. */
  schedPush(base: number, ent: number, n: number, credits: number, dst: number, bytes: number, pattern: number, allocId: number, afterCtx: number, afterSeqno: number, flags: number): number;
  /** S3: a dependency of a job (slot NIL: by context and seqno). 0, or -1 when none is free. */
  schedAddDep(base: number, job: number, slot: number, gen: number, ctx: number, seqno: number): number;
  /** S4-S10: every scheduler's pass at `now`; DR_NOTIFY | DR_SCHED | SP_RAN bits. */
  schedPass(base: number, now: number): number;
}
