import type { Downstream } from '../../upstream/attempt.js';
import { SseReader } from '../../wire/sse.js';
import type { GenerateContentResponse, UsageMetadata } from '../../wire/types.js';
import type { ResponseMeta } from './responses-output.js';
import { ResponsesEventStream } from './responses-stream.js';

/** Where the relay writes: the client's response (a Node ServerResponse in the gateway). */
export interface EventSink {
  write(text: string): boolean;
  once(event: 'drain', fn: () => void): unknown;
}

/**
 * A forwarded Gemini SSE stream (`streamGenerateContent?alt=sse`) → Responses events, unit by unit: each chunk the
 * router passes holds whole events (upstream/stream-watch.ts), each event becomes the Responses frames it implies,
 * and the client's backpressure reaches the upstream. The Response's `model` is decided at the first event, from
 * its `modelVersion` unless `metaFor` says otherwise. An error event from the upstream fails the response; `end()`
 * closes it either way, so the stream never ends in silence.
 */
export class ResponsesRelay implements Downstream {
  readonly #sink: EventSink;
  readonly #metaFor: (modelVersion: string | undefined) => ResponseMeta;
  readonly #reader = new SseReader();
  readonly #decoder = new TextDecoder();
  #events: ResponsesEventStream | undefined;
  #done = false;
  #usage: UsageMetadata | undefined;

  constructor(sink: EventSink, metaFor: (modelVersion: string | undefined) => ResponseMeta) {
    this.#sink = sink;
    this.#metaFor = metaFor;
  }

  write(chunk: Buffer): boolean {
    let out = '';
    for (const payload of this.#reader.push(this.#decoder.decode(chunk, { stream: true }))) {
      out += this.#event(payload);
    }
    return out === '' || this.#sink.write(out);
  }

  once(event: 'drain', fn: () => void): unknown {
    return this.#sink.once(event, fn);
  }

  /** The last frames: the response completes, or fails with `failure` (a cut, a timeout, the gateway stopping). */
  end(failure?: { message: string }): string {
    if (this.#done) return '';
    this.#done = true;
    const events = this.#stream(undefined);
    return failure ? events.fail({ message: failure.message, code: 'server_error' }) : events.end();
  }

  /** Tokens the response used so far, as Gemini counted them (the last event carries the total). */
  get usage(): UsageMetadata | undefined {
    return this.#usage;
  }

  #event(payload: string): string {
    if (this.#done) return '';
    let value: GenerateContentResponse & { error?: { message?: unknown } };
    try {
      value = JSON.parse(payload) as typeof value;
    } catch {
      return this.#fail('the upstream sent an event that is not JSON');
    }
    if (typeof value !== 'object' || value === null)
      return this.#fail('the upstream sent an event that is not an object');
    if (value.error) {
      const message = typeof value.error.message === 'string' ? value.error.message : 'upstream error';
      return this.#fail(message);
    }
    if (value.usageMetadata) this.#usage = value.usageMetadata;
    return this.#stream(value.modelVersion).chunk(value);
  }

  #fail(message: string): string {
    this.#done = true;
    return this.#stream(undefined).fail({ message, code: 'server_error' });
  }

  #stream(modelVersion: string | undefined): ResponsesEventStream {
    this.#events ??= new ResponsesEventStream(this.#metaFor(modelVersion));
    return this.#events;
  }
}
