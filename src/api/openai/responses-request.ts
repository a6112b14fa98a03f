import type { GenerateContentRequest, Part } from '../../wire/types.js';
import { given, isObject, type Json } from './fields.js';
import { generationConfig } from './responses-config.js';
import { Rejection, type ResponsesError, reject } from './responses-error.js';
import { conversation } from './responses-input.js';
import { toolSetup } from './responses-tools.js';

/** A Responses request, translated. */
export interface ResponsesCall {
  /** As the client wrote it (the alias to route). */
  model: string;
  stream: boolean;
  /** The body for `models/{target}:generateContent` or `:streamGenerateContent?alt=sse`. */
  request: GenerateContentRequest;
  /** The parameters a Response object repeats back. */
  echo: ResponseEcho;
}

export interface ResponseEcho {
  instructions: string | null;
  max_output_tokens: number | null;
  metadata: Json;
  parallel_tool_calls: boolean;
  reasoning: { effort: unknown; summary: unknown };
  temperature: number | null;
  text: { format: unknown };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
}

/**
 * Fields a stateless Gemini gateway cannot honour and whose loss would change the answer without a word: refused
 * with the reason. Everything else Gemini cannot express is ignored, because it is a hint about serving, not
 * about the answer: store (nothing is kept either way), include and top_logprobs (the arrays stay empty),
 * service_tier, truncation (an over-long input fails upstream instead of being cut), user, safety_identifier,
 * prompt_cache_key, prompt_cache_retention, stream_options, max_tool_calls (only hosted tools loop),
 * parallel_tool_calls (Gemini decides; clients handle several calls), text.verbosity, and fields not known here.
 */
const REFUSED: Record<string, { message: string; when?: (value: unknown) => boolean }> = {
  previous_response_id: {
    message:
      'previous_response_id continues a response stored by OpenAI; this gateway stores none. Send the whole ' +
      "conversation in 'input' instead.",
  },
  conversation: {
    message:
      "Conversations are stored by OpenAI; this gateway stores none. Send the whole conversation in 'input'.",
  },
  prompt: { message: 'Prompt templates live in an OpenAI account, which this gateway cannot read.' },
  background: {
    message: 'Background responses need stored responses and polling, which this gateway does not offer.',
    when: (value) => value === true,
  },
  response_format: { message: "In the Responses API this parameter has moved to 'text.format'." },
  max_tokens: { message: "In the Responses API this parameter is called 'max_output_tokens'." },
  max_completion_tokens: { message: "In the Responses API this parameter is called 'max_output_tokens'." },
};

/** Validates and translates a `POST /v1/responses` body; a bad one gives OpenAI's 400 error. */
export function responsesRequest(body: unknown): ResponsesCall | ResponsesError {
  try {
    return translate(body);
  } catch (e) {
    if (e instanceof Rejection) return e.rejected;
    throw e;
  }
}

function translate(body: unknown): ResponsesCall {
  if (!isObject(body)) reject('The request body must be a JSON object.', null);
  for (const [field, rule] of Object.entries(REFUSED)) {
    const value = body[field];
    if (given(value) && (!rule.when || rule.when(value)))
      reject(rule.message, field, 'unsupported_parameter');
  }
  if (typeof body.model !== 'string' || body.model === '') {
    reject("Missing required parameter: 'model'.", 'model');
  }
  if (!given(body.input)) reject("Missing required parameter: 'input'.", 'input');
  if (given(body.instructions) && typeof body.instructions !== 'string') {
    reject("Invalid type for 'instructions': expected a string.", 'instructions');
  }
  const { contents, system } = conversation(body.input);
  const instructions =
    typeof body.instructions === 'string' && body.instructions ? body.instructions : undefined;
  const systemParts: Part[] = instructions ? [{ text: instructions }, ...system] : system;
  const request: GenerateContentRequest = { contents };
  if (systemParts.length > 0) request.systemInstruction = { parts: systemParts };
  Object.assign(request, toolSetup(body.tools, body.tool_choice));
  const config = generationConfig(body);
  if (Object.keys(config).length > 0) request.generationConfig = config;
  return { model: body.model, stream: body.stream === true, request, echo: echoOf(body, instructions) };
}

function echoOf(body: Json, instructions: string | undefined): ResponseEcho {
  const reasoning = isObject(body.reasoning) ? body.reasoning : {};
  const text = isObject(body.text) ? body.text : {};
  return {
    instructions: instructions ?? null,
    max_output_tokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : null,
    metadata: isObject(body.metadata) ? body.metadata : {},
    parallel_tool_calls: body.parallel_tool_calls !== false,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    temperature: typeof body.temperature === 'number' ? body.temperature : null,
    text: { format: isObject(text.format) ? text.format : { type: 'text' } },
    tool_choice: given(body.tool_choice) ? body.tool_choice : 'auto',
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_p: typeof body.top_p === 'number' ? body.top_p : null,
  };
}
