import { given, isObject, type Json } from './fields.js';
import { reject } from './responses-error.js';

/** Sampling, length, output format and reasoning → Gemini's generationConfig. */
export function generationConfig(body: Json): Json {
  const config: Json = {};
  const temperature = optionalNumber(body.temperature, 'temperature');
  if (temperature !== undefined) config.temperature = temperature;
  const topP = optionalNumber(body.top_p, 'top_p');
  if (topP !== undefined) config.topP = topP;
  const maxTokens = optionalNumber(body.max_output_tokens, 'max_output_tokens');
  if (maxTokens !== undefined) {
    if (!Number.isInteger(maxTokens) || maxTokens < 1) {
      reject("Invalid 'max_output_tokens': expected an integer ≥ 1.", 'max_output_tokens', 'invalid_value');
    }
    // both count reasoning tokens against the limit, so the number carries over as it is
    config.maxOutputTokens = maxTokens;
  }
  Object.assign(config, outputFormat(body.text));
  const thinking = thinkingConfig(body.reasoning);
  if (thinking) config.thinkingConfig = thinking;
  return config;
}

function optionalNumber(value: unknown, param: string): number | undefined {
  if (!given(value)) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return reject(`Invalid type for '${param}': expected a number.`, param);
  }
  return value;
}

/** `text.format`: json_schema → JSON fitting the schema (as JSON Schema, unchanged), json_object → any JSON. */
function outputFormat(text: unknown): Json {
  if (!given(text)) return {};
  if (!isObject(text)) return reject("Invalid type for 'text': expected an object.", 'text');
  // text.verbosity has no Gemini counterpart; it is a style hint, so it is ignored
  const format = text.format;
  if (!given(format)) return {};
  if (!isObject(format)) return reject("Invalid type for 'text.format': expected an object.", 'text.format');
  switch (format.type) {
    case 'text':
      return {};
    case 'json_object':
      return { responseMimeType: 'application/json' };
    case 'json_schema':
      if (!isObject(format.schema)) {
        return reject("Missing required parameter: 'text.format.schema'.", 'text.format.schema');
      }
      return { responseMimeType: 'application/json', responseJsonSchema: format.schema };
    default:
      return reject(
        `Invalid value for 'text.format.type': ${JSON.stringify(format.type)} (expected text, json_object or json_schema).`,
        'text.format.type',
        'invalid_value',
      );
  }
}

/**
 * `reasoning.effort` → thinkingBudget, with the budgets Google's own OpenAI-compatible endpoint uses (1K/8K/24K,
 * 0 turns thinking off); a budget, unlike thinkingLevel, is understood by Gemini 2.5 and 3 alike.
 * `reasoning.summary` asks for thought summaries, which Gemini gives with includeThoughts.
 */
const BUDGET: Record<string, number> = {
  none: 0,
  minimal: 1024,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 24576,
  max: 24576,
};

function thinkingConfig(reasoning: unknown): Json | undefined {
  if (!given(reasoning)) return undefined;
  if (!isObject(reasoning)) return reject("Invalid type for 'reasoning': expected an object.", 'reasoning');
  const config: Json = {};
  if (given(reasoning.effort)) {
    const budget = typeof reasoning.effort === 'string' ? BUDGET[reasoning.effort] : undefined;
    if (budget === undefined) {
      return reject(
        `Invalid value for 'reasoning.effort': ${JSON.stringify(reasoning.effort)} (expected one of ` +
          `${Object.keys(BUDGET).join(', ')}).`,
        'reasoning.effort',
        'invalid_value',
      );
    }
    config.thinkingBudget = budget;
  }
  const summary = reasoning.summary ?? reasoning.generate_summary;
  if (given(summary) && summary !== 'none') config.includeThoughts = true;
  return Object.keys(config).length > 0 ? config : undefined;
}
