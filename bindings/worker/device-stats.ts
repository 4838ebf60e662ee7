/**
 * The device loop's counters (counts since the thread started), in a SharedArrayBuffer of
 * DEVICE_STATS_WORDS words the driver creates and posts to the device thread: only the device
 * thread writes them, the driver reads them (Atomics.load), for tests and the benchmark's
 * breakdown. A pass reads the clock and every ring's words, then runs the engine up to now; a
 * spin waits (bounded) for the doorbell, a hit is a spin the doorbell ended (no park); a park is
 * an Atomics.wait on the doorbell; an IRQ raises the IRQ word and notifies the driver.
 */
export const DS_PASSES = 0;
export const DS_IRQS = 1;
export const DS_SPINS = 2;
export const DS_SPIN_HITS = 3;
export const DS_PARKS = 4;
/** Words in the buffer (one 64-byte line, off the arena's lines). */
export const DEVICE_STATS_WORDS = 16;
