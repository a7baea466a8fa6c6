// One compute engine per device, created on first use and shared by every job; released at shutdown.
import { createComputeEngine, type ComputeDevice, type ComputeEngine } from './engine.js';

export type ComputeLog = (level: 'info' | 'warn', msg: string) => void;

export class ComputeEngines {
  private readonly engines = new Map<ComputeDevice, Promise<ComputeEngine>>();

  constructor(private readonly log: ComputeLog = () => undefined) {}

  /** The engine for `device` (a bound function, so it can be handed out as `compute`). */
  readonly get = (device: ComputeDevice): Promise<ComputeEngine> => {
    let engine = this.engines.get(device);
    if (!engine) {
      engine = createComputeEngine({ device, log: (msg) => this.log('info', msg) }).then((e) => {
        if (device === 'gpu' && e.provider !== 'webgpu') this.log('warn', 'device gpu requested but no WebGPU adapter was found: packing runs on the CPU');
        return e;
      });
      this.engines.set(device, engine);
    }
    return engine;
  };

  async release(): Promise<void> {
    for (const e of this.engines.values()) await (await e).release();
  }
}
