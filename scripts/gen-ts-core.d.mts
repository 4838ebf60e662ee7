/** Types of scripts/gen-ts-core.mjs (the generator of bindings/core/ts-core.gen.ts from assembly/). */
export declare const ROOT: string;
export declare const ENTRY: string;
export declare const LAYOUT: string;
export declare const OUTPUT: string;
export declare const GENERATOR: string;
/** Header words the generator takes as ALIGN-aligned (region offsets and the ring stride). */
export declare const ALIGNED_HEADER_WORDS: string[];
/** Parameters the generator takes as the ALIGN-aligned arena base. */
export declare const ALIGNED_PARAMS: string[];
/** A place where assembly/ leaves a wrap, a signedness or an unsigned shift implicit. */
export interface GenNote {
  at: string;
  file: string;
  line: number;
  source: string;
  message: string;
}
/** One load, store or atomic access: its type, width, proved alignment and constant offsets. */
export interface GenAccess {
  at: string;
  type: string;
  width: number;
  align: number;
  consts: { name: string; value: number }[];
}
export declare function generate(opts?: { root?: string }): { text: string; notes: GenNote[]; accesses: GenAccess[]; functions: string[] };
