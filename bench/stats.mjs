// Sample aggregation for the benchmarks. Every function here takes arrays of any length: nothing
// spreads an array into call arguments (`push(...xs)`, `Math.max(...xs)`), which overflows the
// stack once a quiet machine collects a few hundred thousand samples per task.

/** Appends every element of `from` to `into` (in place, one at a time); returns `into`. */
export function appendSamples(into, from) {
  const n = from.length;
  for (let i = 0; i < n; i++) into.push(from[i]);
  return into;
}

/** A sorted copy, as a Float64Array (numeric order; the input is not touched). */
export function sorted(xs) {
  return Float64Array.from(xs).sort();
}

/** The median of `xs` (NaN when empty). */
export function median(xs) {
  const s = sorted(xs);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The p-th percentile of `xs` (nearest rank below; NaN when empty). */
export function percentile(xs, p) {
  const s = sorted(xs);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Takes `name value` out of a command line's arguments (`args`, changed in place): the value, or undefined. */
export function takeFlag(args, name) {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
}
