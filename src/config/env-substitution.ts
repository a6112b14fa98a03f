/**
 * `${NAME}` / `${NAME:-default}` substitution in config strings, with shell meaning: `:-` takes the
 * default when NAME is unset or empty; plain `${NAME}` fails when NAME is unset (an empty value is
 * kept). `$${` writes a literal `${`. Pure: the caller says which environment and where the string is.
 */

export type Env = Record<string, string | undefined>;

export type Substitution = { ok: true; value: string } | { ok: false; message: string };

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const NAME_WITH_DEFAULT = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/** Replaces every reference in `text`; the first problem found is returned as a message. */
export function substituteEnv(text: string, env: Env): Substitution {
  let problem: string | undefined;
  const value = text.replace(REFERENCE, (match: string, inner: string | undefined) => {
    if (match === '$${') return '${';
    const parsed = NAME_WITH_DEFAULT.exec(inner ?? '');
    if (!parsed) {
      problem ??= `malformed reference ${match}: expected \${NAME} or \${NAME:-default}`;
      return match;
    }
    const name = parsed[1] as string;
    const fallback = parsed[2];
    const set = env[name];
    if (fallback !== undefined) return set === undefined || set === '' ? fallback : set;
    if (set === undefined) {
      problem ??= `environment variable ${name} is not set (write \${${name}:-default} to give a default)`;
      return match;
    }
    return set;
  });
  if (problem !== undefined) return { ok: false, message: problem };
  if (text.replace(REFERENCE, '').includes('${')) {
    // an opening `${` without its `}` would otherwise reach the gateway as a literal
    return { ok: false, message: 'unterminated ${ reference (write $${ for a literal ${)' };
  }
  return { ok: true, value };
}

/** A reference as written, kept to one line so masking never moves a line number. */
const WRITTEN_REFERENCE = /(?<!\$)\$\{[^}\n]*\}/g;

export interface MaskedText {
  /** The text with each `${…}` replaced by a plain alphanumeric token. */
  masked: string;
  /** Puts the original `${…}` text back into a string taken from the masked text. */
  unmask(text: string): string;
}

/**
 * YAML reads `{` as the start of a flow mapping, so `{ name: a, key: ${KEY} }` is a syntax error,
 * though it is the natural way to write a config. Before parsing, each reference is swapped for a
 * token that is a valid plain scalar in any context; after parsing, unmask() restores it so
 * substitution happens on the parsed string value (an env value can then never change the YAML's
 * structure).
 */
export function maskReferences(text: string): MaskedText {
  let prefix = 'aliasgateEnvRef';
  while (text.includes(prefix)) prefix += 'X';
  const originals: string[] = [];
  const masked = text.replace(WRITTEN_REFERENCE, (reference) => `${prefix}${originals.push(reference) - 1}Z`);
  if (originals.length === 0) return { masked, unmask: (s) => s };
  const token = new RegExp(`${prefix}(\\d+)Z`, 'g');
  return { masked, unmask: (s) => s.replace(token, (_, index: string) => originals[Number(index)] ?? '') };
}
