import { Pool } from 'undici';

/**
 * A bounded load loop for the cases wrk cannot judge: every answer is read and classified (status, body,
 * the gateway's x-aliasgate-* headers), and each request's start and end times are kept so that a run can be
 * split at the moment of ejection.
 */

/**
 * @typedef {{ startMs: number, firstByteMs: number, endMs: number, status: number, ok: boolean,
 *   attempts: number, fallback?: string, target?: string }} RequestRecord
 */

/**
 * Sends `total` POSTs at `concurrency` over keep-alive connections.
 * @param {{ url: string, path: string, body: Buffer | string, total: number, concurrency: number,
 *   accept?: (status: number, text: string) => boolean, headers?: Record<string, string> }} run
 * @returns {Promise<RequestRecord[]>} in the order the requests were started
 */
export async function runLoad(run) {
  const pool = new Pool(run.url, {
    connections: run.concurrency,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  const accept = run.accept ?? ((status, text) => status === 200 && text.includes('"candidates"'));
  const records = new Array(run.total);
  const origin = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < run.total) {
      const index = next++;
      records[index] = await timedRequest(pool, run, origin, accept);
    }
  };
  try {
    await Promise.all(Array.from({ length: run.concurrency }, worker));
  } finally {
    await pool.close();
  }
  return records;
}

async function timedRequest(pool, run, origin, accept) {
  const startMs = performance.now() - origin;
  let firstByteMs = Number.NaN;
  try {
    const res = await pool.request({
      path: run.path,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...run.headers },
      body: run.body,
    });
    const parts = [];
    for await (const chunk of res.body) {
      if (parts.length === 0) firstByteMs = performance.now() - origin;
      parts.push(chunk);
    }
    const text = Buffer.concat(parts).toString('utf8');
    const attempts = Number(res.headers['x-aliasgate-attempts'] ?? 1);
    return {
      startMs,
      firstByteMs,
      endMs: performance.now() - origin,
      status: res.statusCode,
      ok: accept(res.statusCode, text),
      attempts,
      ...(res.headers['x-aliasgate-fallback']
        ? { fallback: String(res.headers['x-aliasgate-fallback']) }
        : {}),
      ...(res.headers['x-aliasgate-target'] ? { target: String(res.headers['x-aliasgate-target']) } : {}),
    };
  } catch {
    return { startMs, firstByteMs, endMs: performance.now() - origin, status: 0, ok: false, attempts: 1 };
  }
}

/** Latency of each record in ms: to the last byte, or to the first when `firstByte` is set. */
export function latencies(records, firstByte = false) {
  return records.map((r) => (firstByte ? r.firstByteMs : r.endMs) - r.startMs);
}
