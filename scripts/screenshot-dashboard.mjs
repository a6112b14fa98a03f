#!/usr/bin/env node
// Takes docs/dashboard.png again: the dashboard in Debian's chromium on the real gateway, three minutes into the
// simulated incident (1400 × 900). It is the browser test's demo-mode run, so the picture is only written when
// everything the test checks on that page holds. ALIASGATE_CHROMIUM names another chromium build.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = spawnSync(
  'npx',
  ['vitest', 'run', 'test/browser/dashboard-gateway.test.ts', '--testNamePattern', 'demo mode'],
  // CI makes a missing chromium an error here rather than a skip that would leave the old picture in place
  { cwd: root, stdio: 'inherit', env: { ...process.env, ALIASGATE_DOCS_SCREENSHOT: '1', CI: '1' } },
);
if (run.status === 0) console.log('docs/dashboard.png written');
process.exit(run.status ?? 1);
