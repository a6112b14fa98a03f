#!/usr/bin/env node
// The request path runs one way (README, "Architecture"): a module may import only modules of its own layer or
// below. This reads every import in src/ (type-only imports included: a type is a dependency too) and fails on one
// that goes up, so the straight line stays straight. No dependencies: a regex over the sources is enough here.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/** Each top-level module of src/ and its layer; lower layers never import higher ones. */
const LAYERS = {
  wire: 0,
  clock: 0,
  random: 0,
  errors: 1,
  validation: 2,
  config: 3,
  catalog: 4,
  classify: 5,
  limits: 5,
  store: 6,
  upstream: 7,
  health: 8,
  timeline: 8,
  telemetry: 9,
  incidents: 9,
  fleet: 9,
  routing: 10,
  lifecycle: 10,
  api: 11,
  admin: 12,
  gateway: 13,
  cli: 14,
};

/** Side branches that stand apart from the gateway: what each may import, and who may import them. */
const APART = {
  sim: { uses: ['errors', 'clock', 'random', 'wire', 'validation', 'sim'], usedBy: ['cli'] },
  probe: { uses: ['errors', 'clock', 'random', 'wire', 'probe'], usedBy: ['cli', 'rollout'] },
  rollout: {
    uses: ['errors', 'clock', 'random', 'wire', 'probe', 'rollout'],
    usedBy: ['gateway', 'admin', 'cli', 'fleet', 'routing', 'store', 'lifecycle', 'incidents'],
  },
};

const root = process.argv[2] ?? join(import.meta.dirname, '..', 'src');
const problems = [];

for (const file of walk(root)) {
  const from = moduleOf(file);
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
    const to = moduleOf(normalize(join(dirname(file), match[1])));
    if (to === from) continue;
    const why = refused(from, to);
    if (why) problems.push(`${relative(join(root, '..'), file)}: imports ${to} (${why})`);
  }
}

if (problems.length > 0) {
  console.error(`import check: ${problems.length} import(s) against the layering:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('import check: every import in src/ goes down the layers');

function refused(from, to) {
  if (APART[from] && !APART[from].uses.includes(to))
    return `${from} may use only ${APART[from].uses.join(', ')}`;
  if (APART[to])
    return APART[to].usedBy.includes(from) ? undefined : `only ${APART[to].usedBy.join(', ')} may use ${to}`;
  if (APART[from]) return undefined;
  if (LAYERS[from] === undefined) return `${from} has no layer: add it to scripts/check-imports.mjs`;
  if (LAYERS[to] === undefined) return `${to} has no layer: add it to scripts/check-imports.mjs`;
  return LAYERS[to] > LAYERS[from]
    ? `layer ${LAYERS[from]} importing layer ${LAYERS[to]}: upward`
    : undefined;
}

/** `src/routing/router.ts` → `routing`; `src/gateway.ts` → `gateway`. */
function moduleOf(path) {
  const first = relative(root, path).split(sep)[0];
  return first.replace(/\.(ts|js)$/, '');
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}
