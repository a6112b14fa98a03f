export type { AliasEntry, Target } from './alias-entry.js';
export { targetId } from './alias-entry.js';
export { Catalog } from './catalog.js';
export { deprecationWarning } from './deprecation.js';
export { modelResource } from './model-resource.js';
