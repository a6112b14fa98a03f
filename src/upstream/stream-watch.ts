import { type ErrorStatus, errorStatus, parseEnvelope } from '../wire/envelope.js';

const COMPLETION_MARKERS = ['"finishReason"', '"blockReason"', '[DONE]'].map((m) => Buffer.from(m));
const MARKER_OVERLAP = 15;
const BARE_ERROR_AFTER_CRLF = Buffer.from('\r\n\r\n{');
const BARE_ERROR_AFTER_LF = Buffer.from('\n\n{');

/**
 * Google-specific repairs of a 2xx body as it streams through, kept apart from the transport (attempt.ts):
 * - a complete stream carries `finishReason` (or `blockReason`, or OpenAI's `[DONE]`), so a clean close without one is
 *   a cut the client must hear about (docs/wire.md §7.3: the SDK does not notice);
 * - in Gemini SSE, Google writes a bare pretty-printed error object after the last event (§7.3); the SDK cannot read
 *   it reliably, so it is taken out of the stream here and reported as an error event instead.
 * Bytes are searched, never decoded.
 */
export class StreamWatch {
  readonly #sse: boolean;
  readonly #stream: boolean;
  #sawCompletion = false;
  #tail: Buffer | undefined;
  #bareError: Buffer[] | undefined;
  #atEventBoundary = true;

  constructor(options: { sse: boolean; stream: boolean }) {
    this.#sse = options.sse;
    this.#stream = options.stream;
  }

  /** The part of `chunk` to pass on (Google's bare error is held back), or undefined when nothing is left. */
  pass(chunk: Buffer): Buffer | undefined {
    if (this.#sse) {
      if (this.#bareError) {
        this.#bareError.push(chunk);
        return undefined;
      }
      const at = bareErrorStart(chunk, this.#atEventBoundary);
      if (at >= 0) {
        this.#bareError = [chunk.subarray(at)];
        if (at === 0) return undefined;
        chunk = chunk.subarray(0, at);
      }
      this.#atEventBoundary = endsWithBlankLine(chunk);
    }
    if (this.#stream) this.#watchCompletion(chunk);
    return chunk;
  }

  /** True when a stream ended without a completion marker. */
  get truncated(): boolean {
    return this.#stream && !this.#sawCompletion;
  }

  /** Google's bare error object, once the stream has ended, if one was held back. */
  bareError(): ErrorStatus | undefined {
    if (!this.#bareError) return undefined;
    const text = Buffer.concat(this.#bareError).toString('utf8');
    const status = parseEnvelope(text);
    if (status && status.code >= 400 && status.code <= 599) return status;
    return errorStatus(502, `upstream wrote something that is not an SSE event: ${text.slice(0, 200)}`);
  }

  #watchCompletion(chunk: Buffer): void {
    if (this.#sawCompletion) return;
    // searched in the bytes, and across the seam with the previous chunk, without decoding anything
    const seam = this.#tail ? Buffer.concat([this.#tail, chunk.subarray(0, MARKER_OVERLAP)]) : undefined;
    for (const marker of COMPLETION_MARKERS) {
      if (chunk.indexOf(marker) >= 0 || (seam && seam.indexOf(marker) >= 0)) {
        this.#sawCompletion = true;
        return;
      }
    }
    this.#tail = chunk.subarray(Math.max(0, chunk.length - MARKER_OVERLAP));
  }
}

/**
 * Where Google's bare error object starts in an SSE chunk: a `{` right after an event boundary (docs/wire.md §7.3:
 * `…\r\n\r\n{\n  "error": {…}}`), or -1. The SDK cannot read such bytes when they share a read with an event (it
 * throws a plain Error without a status), so the gateway turns them into a `data:` event instead.
 */
function bareErrorStart(chunk: Buffer, atBoundary: boolean): number {
  if (atBoundary && chunk[0] === 0x7b) return 0;
  const crlf = chunk.indexOf(BARE_ERROR_AFTER_CRLF);
  if (crlf >= 0) return crlf + 4;
  const lf = chunk.indexOf(BARE_ERROR_AFTER_LF);
  return lf >= 0 ? lf + 2 : -1;
}

function endsWithBlankLine(chunk: Buffer): boolean {
  const n = chunk.length;
  return (
    n >= 2 &&
    chunk[n - 1] === 0x0a &&
    (chunk[n - 2] === 0x0a || (n >= 4 && chunk[n - 2] === 0x0d && chunk[n - 3] === 0x0a))
  );
}
