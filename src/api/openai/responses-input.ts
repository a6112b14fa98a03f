import type { Content, Part } from '../../wire/types.js';
import { callSignature } from './call-id.js';
import { at, isObject, type Json } from './fields.js';
import { contentParts } from './responses-content.js';
import { reject } from './responses-error.js';

/** A Responses `input` as Gemini sees it: the turns, and the system/developer text lifted out of them. */
export interface Conversation {
  contents: Content[];
  system: Part[];
}

/**
 * `input` (a string, or a list of messages and items) → Gemini turns. Adjacent items of one Gemini role share
 * a turn, so an assistant message and the function calls that follow it form one model turn, and parallel
 * function_call_output items one user turn, as Gemini requires for function calling.
 */
export function conversation(input: unknown): Conversation {
  if (typeof input === 'string') {
    if (!input) reject("Invalid 'input': empty string.", 'input');
    return { contents: [{ role: 'user', parts: [{ text: input }] }], system: [] };
  }
  if (!Array.isArray(input)) reject("Invalid type for 'input': expected a string or an array.", 'input');
  const out = new Builder();
  input.forEach((item, i) => {
    out.item(item, at('input', i));
  });
  if (out.contents.length === 0) {
    reject(
      "'input' holds no user, assistant or tool content (system and developer text alone is not a turn).",
      'input',
    );
  }
  return { contents: out.contents, system: out.system };
}

class Builder {
  readonly contents: Content[] = [];
  readonly system: Part[] = [];
  /** call_id → function name: Gemini names each function response, OpenAI only points at its call. */
  readonly #calls = new Map<string, string>();

  item(item: unknown, path: string): void {
    if (!isObject(item)) reject(`Invalid type for '${path}': expected an object.`, path);
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    // reasoning items are dropped: Gemini takes no thoughts as input, and the part of them it does need (the
    // signature of a function call) rides on that call's call_id
    if (type === 'message') this.#message(item, path);
    else if (type === 'function_call') this.#functionCall(item, path);
    else if (type === 'function_call_output') this.#functionOutput(item, path);
    else if (type === 'item_reference') itemReference(item, path);
    else if (type !== 'reasoning') {
      reject(
        `Input item type '${String(type)}' at '${path}' is not supported by this gateway.`,
        at(path, 'type'),
        'unsupported_value',
      );
    }
  }

  #message(item: Json, path: string): void {
    const parts = contentParts(item.content, at(path, 'content'));
    const role = item.role;
    if (role === 'user') this.#push('user', parts);
    else if (role === 'assistant') this.#push('model', parts);
    else if (role === 'system' || role === 'developer') this.system.push(...parts);
    else {
      reject(
        `Invalid value for '${at(path, 'role')}': expected one of user, assistant, system, developer.`,
        at(path, 'role'),
        'invalid_value',
      );
    }
  }

  #functionCall(item: Json, path: string): void {
    const callId = requiredString(item, 'call_id', path);
    const name = requiredString(item, 'name', path);
    const args = parseArguments(item.arguments, at(path, 'arguments'));
    this.#calls.set(callId, name);
    const part: Part = { functionCall: { name, args } };
    const signature = callSignature(callId);
    if (signature) part.thoughtSignature = signature;
    this.#push('model', [part]);
  }

  #functionOutput(item: Json, path: string): void {
    const callId = requiredString(item, 'call_id', path);
    const name = this.#calls.get(callId);
    if (name === undefined) {
      reject(`No tool call found for function call output with call_id ${callId}.`, at(path, 'call_id'));
    }
    const { response, media } = toolResult(item.output, at(path, 'output'));
    this.#push('user', [{ functionResponse: { name, response } }, ...media]);
  }

  #push(role: string, parts: Part[]): void {
    if (parts.length === 0) return;
    const last = this.contents[this.contents.length - 1];
    if (last?.role === role) last.parts!.push(...parts);
    else this.contents.push({ role, parts: [...parts] });
  }
}

/**
 * A reference to an item stored by an earlier response. The gateway stores nothing, so it can honour only
 * references to reasoning (dropping those loses nothing Gemini would read). Any other reference would silently
 * lose a turn: refused, with the fix. The Vercel AI SDK sends references unless `store: false` is set.
 */
function itemReference(item: Json, path: string): void {
  if (typeof item.id === 'string' && item.id.startsWith('rs_')) return;
  reject(
    `'${path}' refers to a stored item (${String(item.id)}), but this gateway does not store responses: send ` +
      'the item itself (with the Vercel AI SDK: providerOptions: { openai: { store: false } }).',
    at(path, 'id'),
    'unsupported_value',
  );
}

function requiredString(item: Json, key: string, path: string): string {
  const value = item[key];
  if (typeof value !== 'string' || value === '')
    reject(`Missing required parameter: '${at(path, key)}'.`, at(path, key));
  return value;
}

/** Gemini takes a call's arguments as an object; OpenAI carries them as JSON text. */
function parseArguments(text: unknown, path: string): Record<string, unknown> {
  if (text === undefined || text === '') return {};
  const value = typeof text === 'string' ? parseJson(text) : undefined;
  if (!isObject(value)) reject(`'${path}' must be a JSON object in a string.`, path);
  return value;
}

/**
 * A function's output → functionResponse.response (Gemini wants an object): a JSON object is the response as
 * it is; anything else goes under `output`, the key Gemini reads as the function's result. Images and files
 * in an output list follow the functionResponse as parts of the same turn, which every Gemini model accepts.
 */
function toolResult(output: unknown, path: string): { response: Record<string, unknown>; media: Part[] } {
  if (typeof output === 'string') {
    const value = parseJson(output);
    return {
      response: isObject(value) ? value : { output: value === undefined ? output : value },
      media: [],
    };
  }
  if (!Array.isArray(output))
    return reject(`Invalid type for '${path}': expected a string or an array.`, path);
  const parts = contentParts(output, path);
  const text = parts.flatMap((p) => (typeof p.text === 'string' ? [p.text] : [])).join('');
  return { response: { output: text }, media: parts.filter((p) => typeof p.text !== 'string') };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
