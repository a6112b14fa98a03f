import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import { sendCall } from './call.js';
import { listModels, type ModelListing } from './list-models.js';
import { callUrl, type ProbeOptions, type ProbeSettings } from './options.js';
import type { CallOutcome } from './outcome.js';

/** Every outcome for one model, in completion order. */
export interface ModelRun {
  model: string;
  outcomes: CallOutcome[];
}

export interface ProbeResult {
  settings: ProbeSettings;
  listing: ModelListing;
  runs: ModelRun[];
  /** ISO 8601 time the probe started. */
  startedAt: string;
  /** Wall time of the whole probe, ms. */
  durationMs: number;
}

export interface ProbeProgress {
  done: number;
  total: number;
  failed: number;
}

export interface ProbeHooks {
  /** Called after every call completes. */
  onProgress?(progress: ProbeProgress): void;
}

/**
 * Sends `calls` calls to each model with at most `concurrency` in flight, models interleaved so
 * that all of them are measured over the same period, and lists the published models alongside.
 * Never throws for anything the network or the service does: those are outcomes.
 */
export async function runProbe(options: ProbeOptions, hooks: ProbeHooks = {}): Promise<ProbeResult> {
  const { apiKey, ...rest } = options;
  const settings: ProbeSettings = { ...rest, authenticated: apiKey !== undefined };
  const headers = requestHeaders(apiKey);
  // One pool for the run, sized to the concurrency (+1 for the model list), closed at the end.
  const dispatcher = new Agent({ connections: options.concurrency + 1 });
  const startedAt = new Date().toISOString();
  const started = performance.now();
  try {
    const [listing, runs] = await Promise.all([
      listModels({ ...settings, headers, dispatcher }),
      runCalls(settings, headers, dispatcher, hooks),
    ]);
    return { settings, listing, runs, startedAt, durationMs: performance.now() - started };
  } finally {
    await dispatcher.close();
  }
}

/** The key goes in the header, never in `?key=` (docs/wire.md §2.1), so no URL ever carries it. */
function requestHeaders(apiKey: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'aliasgate-probe',
  };
  if (apiKey !== undefined) headers['x-goog-api-key'] = apiKey;
  return headers;
}

async function runCalls(
  settings: ProbeSettings,
  headers: Record<string, string>,
  dispatcher: Agent,
  hooks: ProbeHooks,
): Promise<ModelRun[]> {
  const runs: ModelRun[] = settings.models.map((model) => ({ model, outcomes: [] }));
  const body = JSON.stringify(settings.body);
  const total = settings.calls * runs.length;
  let next = 0;
  let done = 0;
  let failed = 0;
  const worker = async () => {
    while (next < total) {
      const run = runs[next++ % runs.length]!;
      const outcome = await sendCall({
        url: callUrl(settings, run.model),
        headers,
        body,
        stream: settings.stream,
        timeoutMs: settings.timeoutMs,
        dispatcher,
      });
      run.outcomes.push(outcome);
      done++;
      if (!outcome.ok) failed++;
      hooks.onProgress?.({ done, total, failed });
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, total) }, worker));
  return runs;
}
