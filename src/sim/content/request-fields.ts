/**
 * Reading request bodies without a schema: Google parses proto3 JSON, which accepts both the
 * lowerCamel and the original snake_case field names (docs/wire.md §3), so every read tries both.
 * Bodies are untrusted JSON: every accessor tolerates any shape.
 */

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `obj.camel ?? obj.snake`. */
export function field(obj: unknown, camel: string, snake?: string): unknown {
  if (!isObject(obj)) return undefined;
  const value = obj[camel];
  return value !== undefined || snake === undefined ? value : obj[snake];
}

export function objectField(obj: unknown, camel: string, snake?: string): Json | undefined {
  const value = field(obj, camel, snake);
  return isObject(value) ? value : undefined;
}

export function arrayField(obj: unknown, camel: string, snake?: string): unknown[] {
  const value = field(obj, camel, snake);
  return Array.isArray(value) ? value : [];
}

export function stringField(obj: unknown, camel: string, snake?: string): string | undefined {
  const value = field(obj, camel, snake);
  return typeof value === 'string' ? value : undefined;
}

export function numberField(obj: unknown, camel: string, snake?: string): number | undefined {
  const value = field(obj, camel, snake);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function partsOf(content: unknown): Json[] {
  return arrayField(content, 'parts').filter(isObject);
}

/** Text parts of one content joined, thoughts excluded. */
export function textOf(content: unknown): string {
  let out = '';
  for (const part of partsOf(content)) {
    if (typeof part.text === 'string' && part.thought !== true) out += out ? `\n${part.text}` : part.text;
  }
  return out;
}
