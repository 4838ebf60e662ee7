/** Types of bench/stats.mjs (sample aggregation for the benchmarks). */
export declare function appendSamples<T>(into: T[], from: ArrayLike<T>): T[];
export declare function sorted(xs: ArrayLike<number>): Float64Array;
export declare function median(xs: ArrayLike<number>): number;
export declare function percentile(xs: ArrayLike<number>, p: number): number;
export declare function takeFlag(args: string[], name: string): string | undefined;
