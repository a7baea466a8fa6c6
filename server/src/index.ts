// The package's public entry point (`import { startDaemon } from '@hyperface/server'`): embed the
// daemon in your own process. Deep imports (`@hyperface/server/<path>`) reach internals that may move.
export { startDaemon, VERSION, type Daemon, type DaemonOptions } from './daemon/daemon.js';
export { loadConfig, type LoadOptions } from './config/load.js';
export type { Config } from './config/schema.js';
