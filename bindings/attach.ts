/**
 * Cross-thread fences. `rt.share()` and `fence.share()` make small serialisable handles; another
 * thread (a worker) calls `attachRuntime(handle)` for a read-only view of the same arena and
 * `view.fence(handle)` for a RemoteFence it can poll, wait on and add callbacks to.
 *
 * Contract: a view never writes fence state (only the owning thread signals, C5); it reads slot
 * words and waits on the arena's signal epoch, which the owner bumps after signaling while a remote
 * waiter exists. Waits also poll every REMOTE_POLL_MS, so a missed wakeup delays, never loses, a
 * signal. A remote handle does not pin its slot.
 *
 * The pieces, in remote/: common.ts (handle shapes, constants, shared readers), owner.ts (the
 * owner's side: share handles, publishSignals, markDisposed), handles.ts (handle checks),
 * attached-runtime.ts (attachRuntime, AttachedRuntime), waiters.ts (a view's remote waiter
 * registration), remote-fence.ts (RemoteFence, seqlock reads). This module re-exports them.
 */
export { REMOTE_POLL_MS, REMOTE_LEASE_MS, REMOTE_RECLAIM_AFTER_MS, REMOTE_SCAN_EVERY_MS } from './remote/common.js';
export type { SharedRuntimeHandle, SharedFenceHandle } from './remote/common.js';
export { shareRuntime, shareFence, publishSignals, markDisposed } from './remote/owner.js';
export { attachRuntime, AttachedRuntime } from './remote/attached-runtime.js';
export type { AttachOptions, AttachedCallbackErrorListener } from './remote/attached-runtime.js';
export { RemoteFence } from './remote/remote-fence.js';
export type { RemoteCallback } from './remote/remote-fence.js';
