/**
 * Entry of the device thread: a worker_threads worker in Node, a Web Worker in browsers (built as
 * one self-contained file with no import and no top-level await, so that a bundler may emit it
 * as a module or as a classic script). It receives the runtime's shared memory and the compiled
 * core, instantiates its own core over the same arena (each instance has its own globals and none
 * of them is used), and runs the device loop until the driver ends it.
 */
import { TsCore } from '../core/ts-core.gen.js';
import type { Core } from '../core/core.js';
import { instantiateCore } from '../core/wasm-instance.js';
import { runDeviceLoop } from './device-loop.js';
import { parentChannel } from '../platform.js';

export interface DeviceWorkerInit {
  memory: WebAssembly.Memory;
  base: number;
  originMs: number;
  /** The device loop's counters (device-stats.ts: DEVICE_STATS_WORDS words, DS_*), read by the driver. */
  stats?: SharedArrayBuffer;
  backend: 'wasm' | 'ts';
  module?: WebAssembly.Module;
  /** createRuntime({ workerUrl }): read by the thread that starts the worker, not posted to it. */
  workerUrl?: URL | string;
}

async function start(init: DeviceWorkerInit, done: (msg: unknown) => void): Promise<void> {
  const core: Core = init.backend === 'wasm' ? await instantiateCore(init.memory, init.module!) : new TsCore(init.memory.buffer);
  done({ ready: true });
  runDeviceLoop(core, init);
  done({ exited: true });
}

void parentChannel().then((channel) => {
  channel.once((init) => {
    start(init as DeviceWorkerInit, (m) => channel.post(m)).catch((e) => channel.post({ error: String((e as Error)?.stack ?? e) }));
  });
});
