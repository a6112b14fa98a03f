import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * wrk as the load generator: a C process of its own (autocannon would cost a core by itself), POSTing a fixed
 * body over keep-alive connections for a fixed time. Threads = min(2, connections): two cores at most here.
 */

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'wrk', 'post.lua');
const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((p) => existsSync(p)) ?? 'wrk';
const bodyDir = mkdtempSync(join(tmpdir(), 'aliasgate-bench-wrk-'));
let bodies = 0;

/** Removes the body files of this run. */
export function removeBodyFiles() {
  rmSync(bodyDir, { recursive: true, force: true });
}

/** Writes a request body once; wrk reads it from the file at start. */
export function bodyFile(body) {
  const path = join(bodyDir, `body-${bodies++}.json`);
  writeFileSync(path, body);
  return path;
}

/**
 * One wrk run.
 * @param {{ url: string, path: string, bodyPath: string, connections: number, seconds: number, apiKey?: string }} run
 *   `apiKey` is sent as x-goog-api-key on every request.
 * @returns {Promise<{ requests: number, durationUs: number, rps: number, p50Us: number, p99Us: number,
 *   errors: Record<string, number>, failed: number }>}
 */
export function runWrk(run) {
  const threads = Math.max(1, Math.min(2, run.connections));
  const args = [
    `-t${threads}`,
    `-c${run.connections}`,
    `-d${Math.max(1, Math.round(run.seconds))}s`, // wrk takes whole seconds
    '--timeout',
    '10s',
    '--latency',
    '-s',
    SCRIPT,
    `${run.url}${run.path}`,
  ];
  return new Promise((resolve, reject) => {
    execFile(
      WRK,
      args,
      {
        env: { ...process.env, WRK_BODY_FILE: run.bodyPath, WRK_API_KEY: run.apiKey ?? '' },
        timeout: (run.seconds + 30) * 1000,
      },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
        if (!line) {
          reject(new Error(`wrk failed: ${error?.message ?? ''} ${stderr}${stdout}`.trim()));
          return;
        }
        const result = JSON.parse(line.slice('WRK_JSON '.length));
        const failed = Object.values(result.errors).reduce((a, b) => a + b, 0);
        resolve({ ...result, rps: result.requests / (result.durationUs / 1e6), failed });
      },
    );
  });
}

export function wrkAvailable() {
  return WRK !== 'wrk' || process.env.PATH?.split(':').some((dir) => existsSync(join(dir, 'wrk')));
}
