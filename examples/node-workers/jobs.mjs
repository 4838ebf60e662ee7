// The work of the worker examples: count the primes in [from, to) by trial division (a few
// hundred microseconds per job, enough for the workers to overlap) and the job list.

/** The number of primes p with from <= p < to. */
export function countPrimes(from, to) {
  let n = 0;
  for (let x = Math.max(2, from); x < to; x++) {
    let prime = true;
    for (let d = 2; d * d <= x; d++) {
      if (x % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) n++;
  }
  return n;
}

/** `count` jobs, each a range of `span` numbers, one after the other from 0. */
export function makeJobs(count, span) {
  const jobs = [];
  for (let id = 0; id < count; id++) jobs.push({ id, from: id * span, to: (id + 1) * span });
  return jobs;
}
