/**
 * Entry of the device thread: a worker_threads worker in Node, a module Web Worker in browsers.
 * It receives the runtime's shared memory and the compiled core, instantiates its own core over
 * the same arena (each instance has its own globals and none of them is used), and runs the
 * device loop until the driver ends it.
 */
import { TsCore } from '../core/ts-core.gen.js';
import type { Core } from '../core/core.js';
import { createWasmCore } from '../core/wasm-core.js';
import { runDeviceLoop } from './device-loop.js';
import { parentChannel } from '../platform.js';

export interface DeviceWorkerInit {
  memory: WebAssembly.Memory;
  base: number;
  originMs: number;
  backend: 'wasm' | 'ts';
  module?: WebAssembly.Module;
}

async function start(init: DeviceWorkerInit, done: (msg: unknown) => void): Promise<void> {
  const core: Core = init.backend === 'wasm' ? await createWasmCore(init.memory, init.module) : new TsCore(init.memory.buffer);
  done({ ready: true });
  runDeviceLoop(core, init);
  done({ exited: true });
}

const channel = await parentChannel();
channel.once((init) => {
  start(init as DeviceWorkerInit, (m) => channel.post(m)).catch((e) => channel.post({ error: String((e as Error)?.stack ?? e) }));
});
