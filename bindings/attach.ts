/**
 * Cross-thread fences. `rt.share()` and `fence.share()` make small serialisable handles; another
 * thread (a worker) calls `attachRuntime(handle)` for a view of the same arena: `view.fence(h)`
 * gives a RemoteFence it can read, wait on (exactly woken: the futex protocol of DESIGN.md,
 * "Threads and ownership") and add callbacks to, and `view.createContext()` makes that thread the
 * emitter of contexts of its own (C5: each context has one emitter thread).
 *
 * The pieces, in remote/: common.ts (handle shapes, constants, shared readers), owner.ts
 * (share handles, publishSignals, markDisposed, reclaim of dead waiters), handles.ts (handle
 * checks), arena-reader.ts (the reads a view trusts a handle by), attached-runtime.ts
 * (attachRuntime, AttachedRuntime), emitter.ts (an attached thread's contexts: emitter headers,
 * reclaim of dead emitters), holds.ts (held handles), waiters.ts (a view's remote waiter
 * registration), remote-fence.ts (RemoteFence, seqlock reads). This module re-exports them.
 */
export { REMOTE_POLL_MS, REMOTE_LEASE_MS, REMOTE_RECLAIM_AFTER_MS, REMOTE_SCAN_EVERY_MS } from './remote/common.js';
export type { SharedRuntimeHandle, SharedFenceHandle } from './remote/common.js';
export { shareRuntime, shareFence, publishSignals, markDisposed } from './remote/owner.js';
export { attachRuntime, AttachedRuntime } from './remote/attached-runtime.js';
export type { AttachOptions, AttachedCallbackErrorListener } from './remote/attached-runtime.js';
export { RemoteFence } from './remote/remote-fence.js';
export type { RemoteCallback } from './remote/remote-fence.js';
