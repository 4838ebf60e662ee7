/** Types of bench/report.mjs (the report of `npm run bench`), for the tests. */
export interface Column {
  median: number;
  min: number;
  max: number;
  rounds: number[];
  samples: number;
  warmup?: { rounds: number; stable: boolean };
  [k: string]: unknown;
}
export interface Row {
  workload: string;
  unit: string;
  value?: number;
  wasm?: Column;
  ts?: Column;
  peer?: Column;
  peerName?: string;
  ratio?: number;
  peerRatio?: number;
  hot?: boolean;
  goal?: { wasm?: number; peerWithin?: number; max?: number };
  verdict?: { text: string; met: boolean | undefined };
}
export interface Run {
  schema: string;
  mode: string;
  date: string;
  machine: Record<string, unknown>;
  git: { commit: string; dirty: boolean } | null;
  load: { start: number[]; end: number[] | null };
  results: Row[];
  [k: string]: unknown;
}
export declare const SCHEMA: string;
export declare function sig(x: number): string;
export declare function cell(c: Column | undefined): string;
export declare function verdict(r: Row): { text: string; met: boolean | undefined };
export declare function finish(run: Run, results: Row[]): Run;
export declare function markdownTable(run: Run): string;
export declare function checkRun(run: unknown): void;
export declare function compareTable(base: Run, run: Run, baseName: string): string;
