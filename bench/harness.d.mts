/** Types of bench/harness.mjs (the measuring part of `npm run bench`), for the tests. */
export declare const WARM_AGREE: number;
export declare function summarize(rounds: number[][], units: number): { median: number; min: number; max: number; rounds: number[]; samples: number };
export declare function fmt(x: number): string;
export declare function createHarness(o: unknown): unknown;
