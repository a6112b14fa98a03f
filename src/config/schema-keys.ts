import type * as z from 'zod';

/** The parts of zod 4's schema definitions that lead from a path to the object schema at its end. */
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Looks through wrappers (optional, default, preprocess, transform) to the schema that holds the shape. */
function unwrap(schema: z.ZodType): z.ZodType {
  for (;;) {
    const def = defOf(schema);
    if (def.innerType) schema = def.innerType;
    else if (def.type === 'pipe' && def.in && def.out)
      schema = defOf(def.in).type === 'transform' ? def.out : def.in;
    else return schema;
  }
}

/**
 * The keys an object accepts at `path` in `schema`, for "unknown key" messages that say what was
 * meant; undefined when the path does not lead to an object.
 */
export function allowedKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let current = unwrap(schema);
  for (const step of path) {
    const def = defOf(current);
    const next =
      def.type === 'object' ? def.shape?.[String(step)] : def.type === 'record' ? def.valueType : def.element;
    if (!next) return undefined;
    current = unwrap(next);
  }
  const shape = defOf(current).shape;
  return shape ? Object.keys(shape) : undefined;
}
