// The main thread's check of the worker examples' results: the prime count of every job's range,
// from one sieve of Eratosthenes (a few milliseconds, against the workers' trial division).

/** counts[id] = the number of primes in [id * span, (id + 1) * span), for id < jobs. */
export function primeCounts(jobs, span) {
  const n = jobs * span;
  const composite = new Uint8Array(n);
  const counts = new Array(jobs).fill(0);
  for (let x = 2; x < n; x++) {
    if (composite[x]) continue;
    counts[Math.floor(x / span)]++;
    for (let m = x * x; m < n; m += x) composite[m] = 1;
  }
  return counts;
}
