import * as z from 'zod';

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};

const cache = new WeakMap<z.ZodType, JsonSchema>();

/**
 * The keys an object accepts at `path` in `schema`, for "unknown key" messages that say what was meant; undefined when
 * the path does not lead to an object. Read from zod's own JSON Schema of the input, a public API.
 */
export function allowedKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let node: JsonSchema | undefined = jsonOf(schema);
  for (const step of path) {
    node = child(node, String(step));
    if (!node) return undefined;
  }
  const shapes = node.properties ? [node] : [...(node.anyOf ?? []), ...(node.oneOf ?? [])];
  const keys = [...new Set(shapes.flatMap((s) => Object.keys(s.properties ?? {})))];
  return keys.length > 0 ? keys : undefined;
}

function jsonOf(schema: z.ZodType): JsonSchema {
  let json = cache.get(schema);
  if (!json) {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    cache.set(schema, json);
  }
  return json;
}

function child(node: JsonSchema, step: string): JsonSchema | undefined {
  if (node.properties?.[step]) return node.properties[step];
  if (typeof node.additionalProperties === 'object') return node.additionalProperties;
  if (node.items && /^\d+$/.test(step)) return node.items;
  for (const option of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) {
    const found = child(option, step);
    if (found) return found;
  }
  return undefined;
}
