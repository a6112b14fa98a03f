/** Readers for untrusted JSON request bodies: every accessor tolerates any shape. */
export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `null` means "not given" in OpenAI's request bodies (the SDKs send explicit nulls). */
export function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** A JSON path for error messages, as OpenAI writes them: `input[2].content[0].image_url`. */
export function at(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}
