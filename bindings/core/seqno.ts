/**
 * F11 on numbers, for the bindings (the cores have their own `isLater`): a is later than b.
 * 32-bit mode (the kernel's default) compares the low 32 bits with wrap-around:
 * `(int32)(lo32(a) - lo32(b)) > 0`; 64-bit mode is a plain `a > b`.
 */
export function seqnoLater(a: number, b: number, seqno64: boolean): boolean {
  return seqno64 ? a > b : (((a >>> 0) - (b >>> 0)) | 0) > 0;
}
