import type { Clock } from '../clock.js';
import type { Fleet } from './fleet.js';
import type { StatsRecorder } from './stats.js';

/** What every request handler of one simulator shares. */
export interface SimContext {
  readonly fleet: Fleet;
  readonly stats: StatsRecorder;
  readonly clock: Clock;
  /** Accepted keys; undefined accepts any key or none. */
  readonly apiKeys: ReadonlySet<string> | undefined;
  /** Largest request body read, bytes (the real inline limit is 20 MiB). */
  readonly maxBodyBytes: number;
  newResponseId(): string;
}
