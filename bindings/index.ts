/**
 * dmafence: a WebAssembly-accelerated model of the Linux DMA-fence machinery.
 * The public API; see README.md and DESIGN in the docs for the contract.
 */
export { createRuntime, Runtime } from './runtime.js';
export type { RuntimeOptions, RuntimeStats } from './runtime.js';
export { FenceContext } from './fence-context.js';
export type { ContextOptions, SignalUpToOptions } from './fence-context.js';
export { DmaFence, DriverFence } from './dma-fence.js';
export type { WaitOptions, SignalOptions } from './dma-fence.js';
export type { FenceCallback, IssuerOps } from './fence-table.js';
export { Errno, DmaFenceError, DmaFenceTypeError, DmaFenceRangeError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { ViolationError } from './violations.js';
export type { Violation, ViolationKind } from './violations.js';
export type { RunResult } from './sim/clock.js';
