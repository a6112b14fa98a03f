import { isObject, type Json } from './request-fields.js';

/**
 * A value that fits a schema: Gemini's OpenAPI subset (`type: "OBJECT"`, upper case,
 * `propertyOrdering`) or plain JSON Schema (`responseJsonSchema`, `parametersJsonSchema`).
 * Used for function-call args and JSON-mode answers, so clients that validate against their
 * schema accept what the simulator says. `subject` is a word from the prompt for strings.
 */
export function sampleFromSchema(schema: unknown, subject: string, depth = 0): unknown {
  if (!isObject(schema) || depth > 6) return depth === 0 ? {} : null;
  if ('const' in schema) return schema.const;
  const choices = Array.isArray(schema.enum) ? schema.enum : undefined;
  if (choices && choices.length > 0) return choices[0];
  const alternative = firstOf(schema.anyOf) ?? firstOf(schema.oneOf) ?? firstOf(schema.allOf);
  if (alternative) return sampleFromSchema(alternative, subject, depth + 1);
  switch (typeOf(schema)) {
    case 'object':
      return sampleObject(schema, subject, depth);
    case 'array': {
      const count = Math.min(Math.max(typeof schema.minItems === 'number' ? schema.minItems : 1, 1), 3);
      return Array.from({ length: count }, () => sampleFromSchema(schema.items, subject, depth + 1));
    }
    case 'integer':
      return Math.round(bounded(schema));
    case 'number':
      return bounded(schema);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return sampleString(schema, subject);
  }
}

function sampleObject(schema: Json, subject: string, depth: number): Json {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const ordering = Array.isArray(schema.propertyOrdering) ? schema.propertyOrdering.map(String) : [];
  const names = [...new Set([...ordering, ...Object.keys(properties)])].filter((n) => n in properties);
  const out: Json = {};
  for (const name of names) out[name] = sampleFromSchema(properties[name], subject, depth + 1);
  return out;
}

/** The schema's type in lower case; JSON Schema's `["string","null"]` gives its first non-null. */
function typeOf(schema: Json): string {
  const type = Array.isArray(schema.type)
    ? schema.type.find((t) => t !== 'null' && t !== 'NULL')
    : schema.type;
  if (typeof type === 'string') return type.toLowerCase();
  if (isObject(schema.properties)) return 'object';
  if (schema.items !== undefined) return 'array';
  return 'string';
}

function bounded(schema: Json): number {
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  if (min !== undefined) return min;
  if (max !== undefined) return Math.min(1, max);
  return 1;
}

function sampleString(schema: Json, subject: string): string {
  switch (schema.format) {
    case 'date':
      return '2026-05-29';
    case 'date-time':
      return '2026-05-29T22:00:00Z';
    case 'email':
      return 'user@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com/';
    default:
      return subject;
  }
}

function firstOf(value: unknown): unknown {
  return Array.isArray(value) && value.length > 0 ? value[0] : undefined;
}
