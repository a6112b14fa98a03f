/** What the simulator has seen; `GET /_sim/stats` and `SimServer.stats()` return it. */
export interface SimStats {
  requests: {
    /** Every request on the Gemini and OpenAI surfaces (not /_sim/). */
    total: number;
    /** Requests per model name as called (an alias, or a build called directly). */
    byModel: Record<string, number>;
    /** Requests per build that served (or failed) them. */
    byBuild: Record<string, number>;
  };
  /** Requests open right now: being answered, streaming, waiting out latency or hanging. */
  openRequests: number;
}

export class StatsRecorder {
  #total = 0;
  #open = 0;
  #byModel = new Map<string, number>();
  #byBuild = new Map<string, number>();

  opened(): void {
    this.#total++;
    this.#open++;
  }

  closed(): void {
    this.#open--;
  }

  routed(model: string, build: string): void {
    this.#byModel.set(model, (this.#byModel.get(model) ?? 0) + 1);
    this.#byBuild.set(build, (this.#byBuild.get(build) ?? 0) + 1);
  }

  snapshot(): SimStats {
    return {
      requests: {
        total: this.#total,
        byModel: Object.fromEntries(this.#byModel),
        byBuild: Object.fromEntries(this.#byBuild),
      },
      openRequests: this.#open,
    };
  }

  /** Zeroes the counters; open requests are still open, so that count stays. */
  reset(): void {
    this.#total = 0;
    this.#byModel.clear();
    this.#byBuild.clear();
  }
}
