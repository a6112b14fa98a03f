import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '../../../scripts/check-imports.mjs');
const SRC = resolve(import.meta.dirname, '../../../src');

const check = (root: string) => spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });

describe('the import-direction check (npm run lint, CI)', () => {
  it('passes on the sources as they are', () => {
    const run = check(SRC);
    expect(run.status, run.stderr).toBe(0);
  });

  it.each([
    ['the wire importing routing', 'wire/status.ts', "import type { Router } from '../routing/router.js';\n"],
    ['health importing the API', 'health/checker.ts', "import type { ApiDeps } from '../api/deps.js';\n"],
    [
      'the simulator importing the gateway',
      'sim/server.ts',
      "import type { Gateway } from '../gateway.js';\n",
    ],
    ['routing importing the probe', 'routing/router.ts', "import { runProbe } from '../probe/run.js';\n"],
  ])('fails on an upward import: %s', (_n, file, line) => {
    const dir = mkdtempSync(join(tmpdir(), 'aliasgate-layers-'));
    try {
      cpSync(SRC, dir, { recursive: true });
      appendFileSync(join(dir, file), line);
      const run = check(dir);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
