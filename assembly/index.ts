/**
 * The wasm core's exports. Built with the stub runtime over an imported shared memory: nothing
 * here allocates, and every function takes the arena base, so one instance per thread can share
 * one arena. The typed bindings are hand-written in bindings/core/wasm-core.ts.
 */
export { isLater, fenceCreate, fencesCreate, fenceSignal, signalUpTo, fenceSetError, fenceUnpin, fenceUnhold } from "./fence";
export { ringSubmit } from "./submit";
export { ringReschedule, devicesRun } from "./ring";
export { schedPush, schedAddDep, schedPass } from "./sched";
