import type { AliasEntry } from './alias.js';

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

/**
 * Response headers telling a client its alias is going away, or undefined. RFC 9111's `Warning: 299` ("miscellaneous
 * persistent warning") is what API clients log; `Deprecation` and `Sunset` are RFC 9745 and RFC 8594.
 */
export function deprecationHeaders(entry: AliasEntry): Record<string, string> | undefined {
  const text = deprecationWarning(entry);
  if (!text) return undefined;
  const headers: Record<string, string> = {
    warning: `299 - "${text.replace(/"/g, "'")}"`,
    deprecation: 'true',
  };
  if (entry.shutdown) headers.sunset = new Date(`${entry.shutdown}T00:00:00Z`).toUTCString();
  if (entry.replacement) headers['x-aliasgate-replacement'] = entry.replacement;
  return headers;
}
