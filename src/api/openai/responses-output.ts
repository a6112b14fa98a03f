import type { GenerateContentResponse, Part, UsageMetadata } from '../../wire/types.js';
import { encodeCallId } from './call-id.js';
import type { Json } from './fields.js';
import type { ResponseEcho } from './responses-request.js';

/** What a Response object is built from besides the answer: the caller mints the id and picks the model name. */
export interface ResponseMeta {
  /** `resp_…`; output item ids are derived from it, so one answer always gets the same ids. */
  id: string;
  /** Unix seconds. */
  createdAt: number;
  /** The model name the client sees (normally the alias it asked for). */
  model: string;
  call: { echo: ResponseEcho };
}

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

/** The three things a Gemini part can become; other parts (executable code, images) have no item here. */
export type PartKind = 'reasoning' | 'message' | 'function_call';

export function partKind(part: Part): PartKind | undefined {
  if (part.functionCall) return 'function_call';
  if (typeof part.text !== 'string' || part.text === '') return undefined;
  return part.thought === true ? 'reasoning' : 'message';
}

const PREFIX: Record<PartKind, string> = { reasoning: 'rs', message: 'msg', function_call: 'fc' };

/** `resp_abc` → `msg_abc_0`: unique within the response, and OpenAI's prefixes (rs_ is what item_reference skips). */
export function itemId(kind: PartKind | 'call', responseId: string, index: number): string {
  const core = responseId.startsWith('resp_') ? responseId.slice('resp_'.length) : responseId;
  return `${kind === 'call' ? 'call' : PREFIX[kind]}_${core}_${index}`;
}

export function textPart(text: string): Json {
  return { type: 'output_text', annotations: [], logprobs: [], text };
}

export function messageItem(id: string, text: string | undefined, status: ItemStatus): Json {
  return {
    id,
    type: 'message',
    status,
    content: text === undefined ? [] : [textPart(text)],
    role: 'assistant',
  };
}

export function reasoningItem(id: string, text: string | undefined): Json {
  return { id, type: 'reasoning', summary: text === undefined ? [] : [{ type: 'summary_text', text }] };
}

export function functionCallItem(responseId: string, index: number, part: Part, status: ItemStatus): Json {
  const call = part.functionCall!;
  const signature = typeof part.thoughtSignature === 'string' ? part.thoughtSignature : undefined;
  return {
    id: itemId('function_call', responseId, index),
    type: 'function_call',
    status,
    arguments: status === 'in_progress' ? '' : JSON.stringify(call.args ?? {}),
    call_id: encodeCallId(itemId('call', responseId, index), signature),
    name: call.name,
  };
}

/** Gemini parts → output items: runs of text become one message, runs of thoughts one reasoning item. */
export function outputItems(parts: Part[], responseId: string, status: ItemStatus): Json[] {
  const items: Json[] = [];
  let run: { kind: PartKind; text: string } | undefined;
  const flush = () => {
    if (!run) return;
    const id = itemId(run.kind, responseId, items.length);
    items.push(run.kind === 'message' ? messageItem(id, run.text, status) : reasoningItem(id, run.text));
    run = undefined;
  };
  for (const part of parts) {
    const kind = partKind(part);
    if (kind === undefined) continue;
    if (kind === 'function_call') {
      flush();
      items.push(functionCallItem(responseId, items.length, part, 'completed'));
    } else if (run?.kind === kind) {
      run.text += part.text;
    } else {
      flush();
      run = { kind, text: part.text as string };
    }
  }
  flush();
  return items;
}

export interface Finish {
  status: 'completed' | 'incomplete';
  incomplete_details: { reason: string } | null;
}

const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * Gemini's finishReason → status and incomplete_details: MAX_TOKENS → max_output_tokens, the safety family (and
 * a blocked prompt) → content_filter. Reasons OpenAI has no word for (MALFORMED_FUNCTION_CALL, OTHER, …) keep
 * their name in lower case, so the client still sees why the answer stopped (the AI SDK calls them "other").
 */
export function finishOf(finishReason: string | undefined, blockReason: string | undefined): Finish {
  if (blockReason && !finishReason) return incomplete('content_filter');
  if (!finishReason || finishReason === 'STOP' || finishReason === 'FINISH_REASON_UNSPECIFIED') {
    return { status: 'completed', incomplete_details: null };
  }
  if (finishReason === 'MAX_TOKENS') return incomplete('max_output_tokens');
  if (FILTERED.has(finishReason)) return incomplete('content_filter');
  return incomplete(finishReason.toLowerCase());
}

function incomplete(reason: string): Finish {
  return { status: 'incomplete', incomplete_details: { reason } };
}

export function blockReasonOf(answer: GenerateContentResponse): string | undefined {
  const feedback = answer.promptFeedback as { blockReason?: unknown } | undefined;
  return typeof feedback?.blockReason === 'string' ? feedback.blockReason : undefined;
}

/** usageMetadata → usage. OpenAI counts reasoning inside output_tokens; Gemini counts thoughts apart. */
export function usageOf(u: UsageMetadata | undefined): Json | null {
  if (!u) return null;
  const input = count(u.promptTokenCount) + count(u.toolUsePromptTokenCount);
  const reasoning = count(u.thoughtsTokenCount);
  const output = count(u.candidatesTokenCount) + reasoning;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: count(u.cachedContentTokenCount) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: typeof u.totalTokenCount === 'number' ? u.totalTokenCount : input + output,
  };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export interface ResponseState {
  status: 'in_progress' | 'completed' | 'incomplete' | 'failed';
  output: Json[];
  usage: Json | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
}

/** The Response object, with the request parameters repeated back as OpenAI does. */
export function responseObject(meta: ResponseMeta, state: ResponseState): Json {
  return {
    id: meta.id,
    object: 'response',
    created_at: meta.createdAt,
    status: state.status,
    background: false,
    error: state.error,
    incomplete_details: state.incomplete_details,
    model: meta.model,
    output: state.output,
    previous_response_id: null,
    service_tier: 'default',
    store: false,
    truncation: 'disabled',
    usage: state.usage,
    ...meta.call.echo,
  };
}
