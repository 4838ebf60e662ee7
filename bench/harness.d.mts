/** Types of bench/harness.mjs (the measuring part of `npm run bench`), for the tests. */
export declare const WARM_AGREE: number;
export interface Summary {
  median: number;
  min: number;
  max: number;
  rounds: number[];
  samples: number;
}
export declare function summarize(rounds: number[][], units: number): Summary;
export declare function fmt(x: number): string;
export interface Task {
  fn: () => unknown;
  beforeEach?: () => unknown;
  prime?: () => unknown;
  dispose?: () => unknown;
}
export interface Warmup {
  rounds: number;
  stable: boolean;
  msPerIteration: number[];
  primed?: boolean;
}
export type Samples = Record<string, number[][]> & { warmup: Record<string, Warmup> };
export interface Harness {
  CFG: Record<string, number>;
  BACKENDS: string[];
  mode: string;
  results: Record<string, unknown>[];
  log: (s: string) => void;
  pair(name: string, make: (backend: string) => Promise<Task>, opts?: { peer?: () => Promise<Task> }): Promise<Samples>;
  manual(make: (col: string) => Promise<{ before?: () => unknown; run: () => unknown; dispose: () => unknown }>, reps?: number, cols?: string[]): Promise<Record<string, number[][]>>;
  record(workload: string, unit: string, units: number, samples: Record<string, unknown>, extra?: Record<string, unknown>): Record<string, unknown>;
  recordValue(workload: string, unit: string, value: number, goal?: { max: number }): Record<string, unknown>;
}
export declare function createHarness(o: { createRuntime?: unknown; CFG: Record<string, number>; BACKENDS: string[]; mode: string; log: (s: string) => void }): Harness;
