import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startFakeAdmin } from './fake-admin.js';

/**
 * The fake admin server on a fixed port, to look at the dashboard by hand (the incident runs live on the
 * real clock). Node 20 cannot run TypeScript, so bundle first, from the repository root:
 *
 *   npx rolldown test/support/fake-admin-main.ts -p node -f esm -o tmp/fake-admin.mjs -e zod
 *   node tmp/fake-admin.mjs [--port 8090] [--token T]
 */
const { values } = parseArgs({
  options: { port: { type: 'string', default: '8090' }, token: { type: 'string' } },
});
const fake = await startFakeAdmin({
  port: Number(values.port),
  webDir: resolve('web'),
  ...(values.token ? { token: values.token } : {}),
});
const link = values.token
  ? `${fake.url}/dashboard?token=${encodeURIComponent(values.token)}`
  : `${fake.url}/dashboard`;
console.log(`fake admin API with the dashboard: ${link}`);
const stop = () => void fake.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
