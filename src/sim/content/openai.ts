import type { ErrorStatus } from '../../wire/envelope.js';
import type { ModelResource } from '../../wire/types.js';
import { invalidArgument } from '../google-errors.js';
import { stringHash } from '../seeds.js';
import type { Reply } from './reply.js';
import {
  arrayField,
  field,
  isObject,
  type Json,
  numberField,
  objectField,
  stringField,
} from './request-fields.js';
import { splitText } from './response.js';

/**
 * The OpenAI-compatible surface (`/v1beta/openai/`, docs/wire.md §11) as a translation: a chat
 * request becomes a GenerateContentRequest, the simulated reply becomes a chat.completion or
 * its chunks. Errors stay Google-shaped (the server wraps them in an array).
 */
export interface ChatCall {
  model: string;
  stream: boolean;
  request: Json;
}

export function chatToGenerate(body: Json): ChatCall | ErrorStatus {
  const model = stringField(body, 'model');
  if (!model) return invalidArgument('model is not specified.');
  const messages = arrayField(body, 'messages');
  if (messages.length === 0) return invalidArgument('messages must not be empty.');
  const contents: Json[] = [];
  const system: Json[] = [];
  const toolNames = new Map<string, string>();
  for (const message of messages) {
    const role = stringField(message, 'role');
    const content = field(message, 'content');
    if (role === 'system' || role === 'developer') {
      system.push(...contentParts(content));
    } else if (role === 'assistant') {
      const parts = contentParts(content);
      for (const call of arrayField(message, 'tool_calls')) {
        const fn = objectField(call, 'function');
        const name = stringField(fn, 'name') ?? '';
        const id = stringField(call, 'id');
        if (id) toolNames.set(id, name);
        parts.push({ functionCall: { name, args: parseArguments(stringField(fn, 'arguments')) } });
      }
      contents.push({ role: 'model', parts });
    } else if (role === 'tool') {
      const name =
        toolNames.get(stringField(message, 'tool_call_id') ?? '') ?? stringField(message, 'name') ?? 'tool';
      const text = typeof content === 'string' ? content : JSON.stringify(content);
      contents.push({
        role: 'user',
        parts: [{ functionResponse: { name, response: { content: parseMaybe(text) } } }],
      });
    } else if (role === 'user') {
      contents.push({ role: 'user', parts: contentParts(content) });
    } else {
      return invalidArgument(`Invalid role "${String(role)}" in messages.`);
    }
  }
  const request: Json = { contents };
  if (system.length > 0) request.systemInstruction = { parts: system };
  const declarations = arrayField(body, 'tools')
    .map((t) => objectField(t, 'function'))
    .filter((f): f is Json => f !== undefined && typeof f.name === 'string')
    .map((f) => ({
      name: f.name,
      description: f.description,
      parametersJsonSchema: f.parameters ?? { type: 'object' },
    }));
  if (declarations.length > 0) request.tools = [{ functionDeclarations: declarations }];
  const choice = field(body, 'tool_choice');
  if (choice === 'none') request.toolConfig = { functionCallingConfig: { mode: 'NONE' } };
  const forced = stringField(objectField(choice, 'function'), 'name');
  if (forced) request.toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [forced] } };
  const generationConfig: Json = {};
  const maxTokens = numberField(body, 'max_completion_tokens') ?? numberField(body, 'max_tokens');
  if (maxTokens !== undefined) generationConfig.maxOutputTokens = maxTokens;
  const format = objectField(body, 'response_format');
  if (format?.type === 'json_object' || format?.type === 'json_schema') {
    generationConfig.responseMimeType = 'application/json';
    const schema = objectField(objectField(format, 'json_schema'), 'schema');
    if (schema) generationConfig.responseJsonSchema = schema;
  }
  if (Object.keys(generationConfig).length > 0) request.generationConfig = generationConfig;
  return { model, stream: field(body, 'stream') === true, request };
}

/** OpenAI content (string or typed parts) → Gemini parts; data-URL images become inlineData. */
function contentParts(content: unknown): Json[] {
  if (typeof content === 'string') return [{ text: content }];
  const parts: Json[] = [];
  for (const item of Array.isArray(content) ? content : []) {
    if (!isObject(item)) continue;
    if (item.type === 'text' && typeof item.text === 'string') parts.push({ text: item.text });
    const url = stringField(objectField(item, 'image_url'), 'url');
    const data = url ? /^data:([^;,]+);base64,(.*)$/s.exec(url) : null;
    if (data) parts.push({ inlineData: { mimeType: data[1], data: data[2] } });
    else if (url) parts.push({ fileData: { mimeType: 'image/*', fileUri: url } });
  }
  return parts;
}

function parseArguments(text: string | undefined): Json {
  const value = parseMaybe(text ?? '{}');
  return isObject(value) ? value : {};
}

function parseMaybe(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface ChatMeta {
  id: string;
  /** The build that served, as OpenAI names the dated snapshot behind an alias. */
  model: string;
  /** Unix seconds. */
  created: number;
}

const FINISH: Record<Reply['finishReason'], string> = { STOP: 'stop', MAX_TOKENS: 'length' };

export function chatCompletion(reply: Reply, meta: ChatMeta): Json {
  const message: Json = { role: 'assistant', content: reply.functionCall ? null : (reply.text ?? '') };
  if (reply.functionCall) message.tool_calls = [toolCall(reply)];
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [
      { index: 0, message, finish_reason: reply.functionCall ? 'tool_calls' : FINISH[reply.finishReason] },
    ],
    usage: usage(reply),
  };
}

/** chat.completion.chunk objects: text deltas, then the finish_reason and usage on the last (docs/wire.md §11). */
export function chatChunks(reply: Reply, meta: ChatMeta, chunks: number): Json[] {
  const chunk = (delta: Json, last: boolean): Json => ({
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        delta,
        finish_reason: last ? (reply.functionCall ? 'tool_calls' : FINISH[reply.finishReason]) : null,
      },
    ],
    ...(last ? { usage: usage(reply) } : {}),
  });
  if (reply.functionCall)
    return [chunk({ role: 'assistant', tool_calls: [{ index: 0, ...toolCall(reply) }] }, true)];
  const pieces = splitText(reply.text ?? '', chunks);
  return pieces.map((piece, i) => chunk({ role: 'assistant', content: piece }, i === pieces.length - 1));
}

function toolCall(reply: Reply): Json {
  const call = reply.functionCall!;
  const args = JSON.stringify(call.args);
  return {
    id: `function-call-${stringHash(call.name + args)}`,
    type: 'function',
    function: { name: call.name, arguments: args },
  };
}

function usage(reply: Reply): Json {
  const completion = reply.candidatesTokens + reply.thoughtsTokens;
  return {
    prompt_tokens: reply.prompt.total,
    completion_tokens: completion,
    total_tokens: reply.prompt.total + completion,
  };
}

/** `GET /v1beta/openai/models[/{id}]` entries. */
export function openaiModel(resource: ModelResource): Json {
  return { id: resource.name, object: 'model', owned_by: 'google' };
}

/** The input texts of an embeddings request. */
export function embeddingInputs(body: Json): string[] | undefined {
  const input = field(body, 'input');
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.every((i) => typeof i === 'string')) return input as string[];
  return undefined;
}
