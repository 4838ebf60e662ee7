/**
 * The issuer: the emitter's side of a fence context, as the fence table sees it (FenceContext
 * provides it). Its hooks (IssuerOps) are the dma_fence_ops a driver supplies.
 *
 * Contract: driver thread only; a signaled fence never reaches its issuer again (F14).
 */
import type { DmaFence } from './dma-fence.js';

/** The issuer's side of a context, as FenceContext provides it. */
export interface Issuer {
  readonly id: number;
  readonly driverName: string;
  readonly timelineName: string;
  readonly ops: IssuerOps;
  /** True once nothing can signal this context's fences any more (ring dropped, driver unloaded). */
  readonly dead: boolean;
  /** True once its driver was unloaded (T5): reaching it from a pending fence is a use-after-free. */
  readonly unloaded: boolean;
  /** The issuer itself holds a reference to its pending fences (a ring's in-flight jobs do). */
  readonly holdsFences: boolean;
  /**
   * No `signaled` or `enableSignaling` hook, and its driver loaded: polling or enabling one of its
   * pending fences cannot reach it, so the fast paths skip both (F13 then only sets the flag).
   */
  readonly quiet: boolean;
}

/** The issuer's hooks a context may give (F13, F15), as in struct dma_fence_ops. */
export interface IssuerOps {
  /** F13: called at most once per fence; return false if the fence is already complete. */
  enableSignaling?(f: DmaFence): boolean;
  /** Polled by `signaled`/`status`/`wait`: return true if the fence is complete. */
  signaled?(f: DmaFence): boolean;
  /** F15: a deadline hint; called only when it moves the fence's earliest deadline earlier. */
  setDeadline?(f: DmaFence, tNs: number): void;
}
