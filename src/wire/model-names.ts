/**
 * The product's central rule reads model names out of error messages: a 404 `Model not found:
 * models/gemini-v4p1s-rev24-ajax-sentinel` for a request to `gemini-3.5-flash` names a backing build, not the model
 * asked for (docs/wire.md §0.12, §8.2). The gateway's classifier and the probe's explanation both read names here.
 */

/**
 * `models/<id>` in free text. The look-behind keeps `tunedModels/x` and `foomodels/x` out; ids may hold dots, dashes,
 * underscores and Vertex-style `@` versions (`gemini-x@001`).
 */
const MODEL_NAME = /(?<![A-Za-z0-9_])models\/([A-Za-z0-9][\w.@-]*)/g;

/** Every model a message names, in order, without the `models/` prefix; sentence punctuation is not part of an id. */
export function modelsNamed(message: string | undefined): string[] {
  if (!message) return [];
  const names: string[] = [];
  for (const match of message.matchAll(MODEL_NAME)) {
    const named = (match[1] ?? '').replace(/[.-]+$/, '');
    if (named !== '') names.push(named);
  }
  return names;
}

/** The first model named in `message` that is not `requested` (with or without `models/`), if any. */
export function otherModelNamed(message: string | undefined, requested: string): string | undefined {
  const bare = bareModelId(requested);
  return modelsNamed(message).find((named) => named !== bare);
}

/** `models/x` → `x`; ids arrive both ways in paths and bodies. */
export function bareModelId(name: string): string {
  return name.startsWith('models/') ? name.slice('models/'.length) : name;
}

/**
 * Google's 404 for a model asked for a verb it lacks is the same sentence as for a model it does not have:
 * `models/X is not found for API version v1beta, or is not supported for embedContent` (docs/wire.md §0.12). The
 * verb it names (Google writes `StreamGenerateContent` on v1, so compare without case), if the message is that one.
 */
export function methodRefusedIn(message: string | undefined): string | undefined {
  return message?.match(/\bis not supported for ([A-Za-z]+)\b/)?.[1];
}
