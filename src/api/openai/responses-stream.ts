import type { GenerateContentResponse, Part, UsageMetadata } from '../../wire/types.js';
import type { Json } from './fields.js';
import {
  blockReasonOf,
  finishOf,
  functionCallItem,
  type ItemStatus,
  itemId,
  messageItem,
  partKind,
  type ResponseMeta,
  type ResponseState,
  reasoningItem,
  responseObject,
  textPart,
  usageOf,
} from './responses-output.js';

/** The item being streamed: text and thoughts arrive over several chunks, a function call in one. */
interface OpenItem {
  kind: 'message' | 'reasoning';
  id: string;
  index: number;
  text: string;
}

/**
 * Parsed Gemini stream chunks → Responses server-sent events, in the order both OpenAI SDKs rebuild the
 * response from: response.created and response.in_progress; then per output item output_item.added, its parts
 * and deltas, output_item.done; then response.completed (or response.incomplete when Gemini stopped early,
 * as OpenAI does for max_output_tokens), or response.failed from fail(). Every event has a sequence_number
 * from 0. Each method returns the frames to write (`event: …\ndata: …\n\n`), possibly none.
 */
export class ResponsesEventStream {
  readonly #meta: ResponseMeta;
  #sequence = 0;
  #started = false;
  #ended = false;
  readonly #output: Json[] = [];
  #open: OpenItem | undefined;
  #usage: UsageMetadata | undefined;
  #finishReason: string | undefined;
  #blockReason: string | undefined;

  constructor(meta: ResponseMeta) {
    this.#meta = meta;
  }

  chunk(answer: GenerateContentResponse): string {
    if (this.#ended) return '';
    let out = this.#start();
    if (answer.usageMetadata) this.#usage = answer.usageMetadata;
    this.#blockReason ??= blockReasonOf(answer);
    const candidate = answer.candidates?.[0];
    for (const part of candidate?.content?.parts ?? []) out += this.#part(part);
    if (candidate?.finishReason) this.#finishReason = candidate.finishReason;
    return out;
  }

  /** The upstream stream ended normally. */
  end(): string {
    if (this.#ended) return '';
    const finish = finishOf(this.#finishReason, this.#blockReason);
    let out = this.#start() + this.#close(finish.status === 'completed' ? 'completed' : 'incomplete');
    this.#ended = true;
    const response = this.#response({
      status: finish.status,
      error: null,
      incomplete_details: finish.incomplete_details,
    });
    out += this.#event(finish.status === 'completed' ? 'response.completed' : 'response.incomplete', {
      response,
    });
    return out;
  }

  /** The upstream stream broke after the first byte went out: the response fails with this error. */
  fail(error: { message: string; code?: string }): string {
    if (this.#ended) return '';
    let out = this.#start() + this.#close('incomplete');
    this.#ended = true;
    const response = this.#response({
      status: 'failed',
      error: { code: error.code ?? 'server_error', message: error.message },
      incomplete_details: null,
    });
    out += this.#event('response.failed', { response });
    return out;
  }

  #start(): string {
    if (this.#started) return '';
    this.#started = true;
    const response = this.#response({ status: 'in_progress', error: null, incomplete_details: null });
    return this.#event('response.created', { response }) + this.#event('response.in_progress', { response });
  }

  #part(part: Part): string {
    const kind = partKind(part);
    if (kind === undefined) return '';
    if (kind === 'function_call') return this.#close('completed') + this.#functionCall(part);
    let out = '';
    if (this.#open?.kind !== kind) out += this.#close('completed') + this.#openItem(kind);
    const open = this.#open!;
    const delta = part.text as string;
    open.text += delta;
    const at = { item_id: open.id, output_index: open.index };
    if (kind === 'message') {
      out += this.#event('response.output_text.delta', { ...at, content_index: 0, delta, logprobs: [] });
    } else {
      out += this.#event('response.reasoning_summary_text.delta', { ...at, summary_index: 0, delta });
    }
    return out;
  }

  #openItem(kind: OpenItem['kind']): string {
    const index = this.#output.length;
    const open: OpenItem = { kind, id: itemId(kind, this.#meta.id, index), index, text: '' };
    this.#open = open;
    const at = { item_id: open.id, output_index: index };
    if (kind === 'message') {
      return (
        this.#event('response.output_item.added', {
          output_index: index,
          item: messageItem(open.id, undefined, 'in_progress'),
        }) + this.#event('response.content_part.added', { ...at, content_index: 0, part: textPart('') })
      );
    }
    return (
      this.#event('response.output_item.added', {
        output_index: index,
        item: reasoningItem(open.id, undefined),
      }) +
      this.#event('response.reasoning_summary_part.added', {
        ...at,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      })
    );
  }

  /** Ends the open item, if any; `status` is the message's (incomplete when the answer was cut). */
  #close(status: ItemStatus): string {
    const open = this.#open;
    if (!open) return '';
    this.#open = undefined;
    const at = { item_id: open.id, output_index: open.index };
    let out: string;
    let item: Json;
    if (open.kind === 'message') {
      item = messageItem(open.id, open.text, status);
      out =
        this.#event('response.output_text.done', { ...at, content_index: 0, text: open.text, logprobs: [] }) +
        this.#event('response.content_part.done', { ...at, content_index: 0, part: textPart(open.text) });
    } else {
      item = reasoningItem(open.id, open.text);
      const summary = { type: 'summary_text', text: open.text };
      out =
        this.#event('response.reasoning_summary_text.done', { ...at, summary_index: 0, text: open.text }) +
        this.#event('response.reasoning_summary_part.done', { ...at, summary_index: 0, part: summary });
    }
    this.#output.push(item);
    return out + this.#event('response.output_item.done', { output_index: open.index, item });
  }

  /** Gemini sends a call whole, so its item opens, carries all its arguments in one delta, and closes. */
  #functionCall(part: Part): string {
    const index = this.#output.length;
    const item = functionCallItem(this.#meta.id, index, part, 'completed');
    const args = item.arguments as string;
    const at = { item_id: item.id, output_index: index };
    this.#output.push(item);
    return (
      this.#event('response.output_item.added', {
        output_index: index,
        item: functionCallItem(this.#meta.id, index, part, 'in_progress'),
      }) +
      this.#event('response.function_call_arguments.delta', { ...at, delta: args }) +
      this.#event('response.function_call_arguments.done', { ...at, name: item.name, arguments: args }) +
      this.#event('response.output_item.done', { output_index: index, item })
    );
  }

  #response(state: Omit<ResponseState, 'output' | 'usage'>): Json {
    return responseObject(this.#meta, {
      ...state,
      output: [...this.#output],
      usage: state.status === 'in_progress' ? null : usageOf(this.#usage),
    });
  }

  #event(type: string, fields: Json): string {
    const data = { type, sequence_number: this.#sequence++, ...fields };
    return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  }
}
