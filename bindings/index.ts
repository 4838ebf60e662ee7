/**
 * dmafence: a WebAssembly-accelerated model of the Linux DMA-fence machinery.
 * The public API; see README.md and DESIGN in the docs for the contract.
 */
export { createRuntime, Runtime } from './runtime.js';
export type { RuntimeOptions, RuntimeStats, RuntimeEvents, UnloadOptions } from './runtime.js';
export { FenceContext } from './fence-context.js';
export type { ContextOptions, SignalUpToOptions } from './fence-context.js';
export { DmaFence, DriverFence } from './dma-fence.js';
export { SwSyncTimeline } from './composite/sw-sync.js';
export type { SwSyncOptions } from './composite/sw-sync.js';
export { Syncobj } from './composite/syncobj.js';
export type { SyncobjOptions, QueryOptions } from './composite/syncobj.js';
export type { SyncobjWaitEntry, SyncobjWaitOptions } from './composite/syncobj-wait.js';
export type { FenceArrayOptions } from './composite/composites.js';
export type { FenceInfo, FenceInfoEntry } from './composite/merge.js';
export type { WaitOptions, SignalOptions } from './dma-fence.js';
export type { FenceCallback, IssuerOps, CallbackErrorListener } from './fence-table.js';
export { Errno, DmaFenceError, DmaFenceTypeError, DmaFenceRangeError, CallbackError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { ViolationError } from './violations.js';
export type { Violation, ViolationKind } from './violations.js';
export type { RunResult } from './sim/clock.js';
export { HwRing, DROP_POLICIES, GUARANTEES } from './hw-ring.js';
export type { RingOptions, Job, DropOptions, DropPolicy, DropReport, RingState, ProtocolOptions, DropSteps, PolicyFn, StepOptions, Guarantee, DriverBugResult } from './hw-ring.js';
export { Scheduler, Entity } from './sched/scheduler.js';
export type { SchedulerOptions, EntityOptions, SchedJob, SchedBatchJob, PushedJob, FlushOptions, Priority, SchedOrder } from './sched/scheduler.js';
export { JobQueue } from './sched/job-queue.js';
export type { JobQueueOptions, QueueJob } from './sched/job-queue.js';
export { DmaDevice } from './dma-device.js';
export type { DeviceOptions, LatencyOptions, FaultOptions, InjectKind, LoseOptions } from './dma-device.js';
export { DmaMemory, DmaBuffer } from './dma-memory.js';
export type { Corruption } from './dma-memory.js';
export type { TraceEvent } from './runtime.js';
export { runTeardown, runTeardownMatrix, DEVICE_KINDS, deviceSpecOf, MAX_TEARDOWN_JOBS } from './cli/scenario.js';
export type { DeviceKind, TeardownOptions, TeardownResult, TeardownMatrixOptions } from './cli/scenario.js';
export { parseDeviceSpec, parsePolicySpec } from './cli/specs.js';
export { runScenario } from './cli/run-scenario.js';
export type { RunScenarioOptions, ScenarioReport, TeardownOutcome, FaultOutcome } from './cli/run-scenario.js';
export { parseScenario, MAX_SCENARIO_JOBS } from './cli/scenario-schema.js';
export type { Scenario, ScenarioDevice, ScenarioRing, ScenarioScheduler, ScenarioEntity, ScenarioStream, ScenarioFault, ScenarioTeardown, ScenarioExpect } from './cli/scenario-schema.js';
export { DEFAULT_TRACE_LIMIT } from './trace.js';
export { formatTeardownMatrix } from './cli/matrix-report.js';
export type { DeviceSpec, PolicySpec } from './cli/specs.js';
export { attachRuntime, AttachedRuntime, RemoteFence, REMOTE_POLL_MS } from './attach.js';
export type { SharedRuntimeHandle, SharedFenceHandle, RemoteCallback } from './attach.js';
export { RealClock } from './sim/real-clock.js';
export { VirtualClock } from './sim/clock.js';
