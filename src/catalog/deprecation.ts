import type { AliasEntry } from './alias-entry.js';

/**
 * Text for a `Warning`-style response header telling a client its alias is going away, or undefined
 * when there is nothing to warn about. Deprecated aliases always warn; others warn once they have a
 * shutdown date. Alias and model ids are restricted to [A-Za-z0-9._-] (config/scalars.ts), so the
 * text is plain ASCII and safe inside a header's quoted-string.
 */
export function deprecationWarning(entry: AliasEntry): string | undefined {
  const use = entry.replacement === undefined ? '' : `; use ${entry.replacement}`;
  if (entry.stage === 'deprecated') {
    const shutdown = entry.shutdown === undefined ? '' : ` (shutdown ${entry.shutdown})`;
    return `${entry.name} is deprecated${use}${shutdown}`;
  }
  if (entry.shutdown !== undefined) return `${entry.name} shuts down on ${entry.shutdown}${use}`;
  return undefined;
}
