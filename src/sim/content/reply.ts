import { seededRandom } from '../../random.js';
import { stringHash } from '../seeds.js';
import {
  arrayField,
  field,
  isObject,
  type Json,
  numberField,
  objectField,
  partsOf,
  stringField,
  textOf,
} from './request-fields.js';
import { sampleFromSchema } from './schema-sample.js';
import { promptTokens, type TokenCount, textTokens } from './tokens.js';

/** What the simulated model says to one generate request, before it is framed (unary or stream). */
export interface Reply {
  /** A thought summary, present when thinkingConfig.includeThoughts is set. */
  thought?: string;
  text?: string;
  functionCall?: { name: string; args: Json };
  finishReason: 'STOP' | 'MAX_TOKENS';
  prompt: TokenCount;
  candidatesTokens: number;
  thoughtsTokens: number;
}

/**
 * The answer is a pure function of the request and the text-size knob, so the same prompt gets
 * the same text unary and streamed, on every run, whatever the seed:
 * - tools with functionDeclarations and a last turn that is not a functionResponse → a
 *   functionCall to the declaration the prompt names (args fit its schema);
 * - `responseMimeType: application/json` → JSON text fitting responseSchema/responseJsonSchema;
 * - otherwise prose that quotes the last user text (or the tool result) and runs to
 *   `responseTokens` tokens, cut at maxOutputTokens (finishReason MAX_TOKENS).
 */
export function composeReply(request: Json, responseTokens: number): Reply {
  const contents = arrayField(request, 'contents');
  const config = objectField(request, 'generationConfig', 'generation_config');
  const prompt = promptTokens(request);
  const userText = lastUserText(contents);
  const toolResult = functionResponseIn(contents[contents.length - 1]);
  const thought = wantsThoughts(config) ? thoughtAbout(userText) : undefined;
  const thoughtsTokens = thought ? textTokens(thought) : 0;

  const declaration = toolResult ? undefined : chooseDeclaration(request, userText);
  if (declaration) {
    const name = String(declaration.name);
    const schema =
      field(declaration, 'parameters') ??
      field(declaration, 'parametersJsonSchema', 'parameters_json_schema');
    const args = (sampleFromSchema(schema ?? {}, subjectOf(userText)) ?? {}) as Json;
    const call = { name, args };
    return {
      ...(thought ? { thought } : {}),
      functionCall: call,
      finishReason: 'STOP',
      prompt,
      candidatesTokens: textTokens(JSON.stringify(call)),
      thoughtsTokens,
    };
  }

  let text = answerText(config, userText, toolResult, responseTokens, contents);
  let finishReason: Reply['finishReason'] = 'STOP';
  const limit = numberField(config, 'maxOutputTokens', 'max_output_tokens');
  if (limit !== undefined && limit >= 0 && textTokens(text) > limit) {
    text = text.slice(0, limit * 4);
    finishReason = 'MAX_TOKENS';
  }
  return {
    ...(thought ? { thought } : {}),
    text,
    finishReason,
    prompt,
    candidatesTokens: textTokens(text),
    thoughtsTokens,
  };
}

function answerText(
  config: Json | undefined,
  userText: string,
  toolResult: Json | undefined,
  responseTokens: number,
  contents: unknown[],
): string {
  const mime = stringField(config, 'responseMimeType', 'response_mime_type');
  const schema =
    field(config, 'responseSchema', 'response_schema') ??
    field(config, 'responseJsonSchema', 'response_json_schema');
  if (mime === 'application/json') {
    const value =
      schema !== undefined ? sampleFromSchema(schema, subjectOf(userText)) : { answer: quote(userText) };
    return JSON.stringify(value);
  }
  if (mime === 'text/x.enum' && isObject(schema) && Array.isArray(schema.enum) && schema.enum.length > 0) {
    return String(schema.enum[0]);
  }
  const opening = toolResult
    ? `The ${String(toolResult.name)} tool returned ${clip(JSON.stringify(toolResult.response ?? {}), 160)}.`
    : userText
      ? `Here is a reply to "${quote(userText)}".`
      : `Here is a reply to your ${mediaNoun(contents)}.`;
  return prose(opening, userText || opening, responseTokens * 4);
}

/** Opening sentence, then sentences from a fixed vocabulary picked by a hash of the prompt. */
function prose(opening: string, seedText: string, targetChars: number): string {
  const random = seededRandom(stringHash(seedText));
  let out = opening;
  while (out.length < targetChars) {
    const length = 6 + Math.floor(random.next() * 7);
    const words: string[] = [];
    for (let i = 0; i < length; i++) words.push(VOCABULARY[Math.floor(random.next() * VOCABULARY.length)]!);
    const sentence = words.join(' ');
    out += ` ${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
  }
  return out;
}

const VOCABULARY = (
  'the a model answer request build alias route token stream latency service client gateway result value ' +
  'simple clear short steady careful quick every each some many this that which when while because so ' +
  'returns keeps sends reads holds shows checks counts gives takes finds moves waits serves answers ' +
  'and or but then also still only first next last again here there now today well fast often'
).split(' ');

function lastUserText(contents: unknown[]): string {
  for (let i = contents.length - 1; i >= 0; i--) {
    const content = contents[i];
    if (field(content, 'role') === 'model') continue;
    const text = textOf(content).trim();
    if (text) return text;
  }
  return '';
}

function functionResponseIn(content: unknown): Json | undefined {
  for (const part of partsOf(content)) {
    const response = objectField(part, 'functionResponse', 'function_response');
    if (response) return response;
  }
  return undefined;
}

function wantsThoughts(config: Json | undefined): boolean {
  const thinking = objectField(config, 'thinkingConfig', 'thinking_config');
  if (field(thinking, 'includeThoughts', 'include_thoughts') !== true) return false;
  return numberField(thinking, 'thinkingBudget', 'thinking_budget') !== 0;
}

function thoughtAbout(userText: string): string {
  return (
    `**Reading the request**\n\nThe user wrote "${quote(userText || 'nothing in text')}". ` +
    'I will answer directly and keep it short.'
  );
}

/** The declaration to call, honouring toolConfig (mode NONE, allowedFunctionNames), or none. */
function chooseDeclaration(request: Json, userText: string): Json | undefined {
  const calling = objectField(
    objectField(request, 'toolConfig', 'tool_config'),
    'functionCallingConfig',
    'function_calling_config',
  );
  if (field(calling, 'mode') === 'NONE') return undefined;
  const allowed = arrayField(calling, 'allowedFunctionNames', 'allowed_function_names').map(String);
  const declarations: Json[] = [];
  for (const tool of arrayField(request, 'tools')) {
    for (const d of arrayField(tool, 'functionDeclarations', 'function_declarations')) {
      if (isObject(d) && typeof d.name === 'string' && (allowed.length === 0 || allowed.includes(d.name))) {
        declarations.push(d);
      }
    }
  }
  if (declarations.length === 0) return undefined;
  const prompt = userText.toLowerCase();
  let best = declarations[0]!;
  let bestScore = -1;
  for (const d of declarations) {
    const score = nameWords(String(d.name)).filter((w) => w.length >= 4 && prompt.includes(w)).length;
    if (score > bestScore) [best, bestScore] = [d, score];
  }
  return best;
}

/** `get_current_weather` / `getCurrentWeather` → get, current, weather. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** A word to fill string slots: a capitalized word after the first (often a place or name), else the longest. */
function subjectOf(text: string): string {
  const words = text.match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? [];
  const proper = words.slice(1).find((w) => /^\p{Lu}/u.test(w));
  if (proper) return proper;
  let longest = '';
  for (const w of words) if (w.length > longest.length) longest = w;
  return longest || 'example';
}

function mediaNoun(contents: unknown[]): string {
  for (const content of contents) {
    for (const part of partsOf(content)) {
      const media =
        objectField(part, 'inlineData', 'inline_data') ?? objectField(part, 'fileData', 'file_data');
      const mime = stringField(media, 'mimeType', 'mime_type');
      if (mime) return `${mime.split('/')[0]} input`;
    }
  }
  return 'message';
}

function quote(text: string): string {
  return clip(text.replace(/\s+/g, ' ').trim(), 80);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
