import { type ErrorStatus, errorStatus, parseEnvelope } from '../wire/envelope.js';
import type { StreamFraming } from './attempt.js';

const COMPLETION_MARKERS = ['"finishReason"', '"blockReason"', '[DONE]'].map((m) => Buffer.from(m));
const MARKER_OVERLAP = 15;
const BARE_ERROR_AFTER_CRLF = Buffer.from('\r\n\r\n{');
const BARE_ERROR_AFTER_LF = Buffer.from('\n\n{');
const EVENT_END_CRLF = Buffer.from('\r\n\r\n');
const EVENT_END_LF = Buffer.from('\n\n');
const ARRAY_SEPARATOR = Buffer.from('\r\n,\r\n');

/**
 * What a 2xx stream needs on its way through, kept apart from the transport (attempt.ts):
 * - only whole units go to the client (SSE events, JSON-array elements): a stream cut inside an event must end with
 *   a clean error event, not an event glued to half of another (docs/design.md §5);
 * - the first unit is checked before the answer is taken: a stream that opens with something that is not an event
 *   (an HTML page, a broken event) is retried elsewhere instead of passed on;
 * - a complete stream carries `finishReason` (or `blockReason`, or OpenAI's `[DONE]`), so a clean close without one
 *   is a cut the client must hear about (docs/wire.md §7.3: the SDK does not notice);
 * - in Gemini SSE, Google writes a bare pretty-printed error object after the last event (docs/wire.md §7.3); the SDK cannot
 *   read it reliably, so it is taken out of the stream here and reported as an error event instead.
 * Bytes are searched, never decoded; only the first unit is parsed.
 */
export class StreamWatch {
  readonly #framing: Exclude<StreamFraming, 'none'>;
  readonly #holdLimit: number;
  #pending: Buffer | undefined;
  #emitted = false;
  #firstUnitOk: boolean | undefined;
  #sawCompletion = false;
  #tail: Buffer | undefined;
  #bareError: Buffer[] | undefined;
  #atEventBoundary = true;

  constructor(framing: Exclude<StreamFraming, 'none'>, holdLimit: number) {
    this.#framing = framing;
    this.#holdLimit = holdLimit;
  }

  /** The whole units that `chunk` completes, or undefined while a unit is still arriving. */
  pass(chunk: Buffer): Buffer | undefined {
    if (this.#framing === 'sse') {
      if (this.#bareError) {
        this.#bareError.push(chunk);
        return undefined;
      }
      const at = bareErrorStart(chunk, this.#atEventBoundary && !this.#pending);
      if (at >= 0) {
        this.#bareError = [chunk.subarray(at)];
        if (at === 0) return undefined;
        chunk = chunk.subarray(0, at);
      }
    }
    const joined = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    let cut = this.#lastBoundary(joined);
    // a unit larger than the hold limit goes on as it is: memory stays bounded, whatever the upstream sends
    if (cut <= 0 && joined.length > this.#holdLimit) cut = joined.length;
    if (cut <= 0) {
      this.#pending = joined;
      return undefined;
    }
    const out = joined.subarray(0, cut);
    this.#pending = cut < joined.length ? joined.subarray(cut) : undefined;
    if (!this.#emitted) {
      this.#emitted = true;
      this.#firstUnitOk = firstUnitOk(this.#framing, out);
    }
    if (this.#framing === 'sse') this.#atEventBoundary = endsWithBlankLine(out);
    this.#watchCompletion(out);
    return out;
  }

  /** Whether the first unit looked like the framing promises; undefined until one has passed. */
  get firstUnitOk(): boolean | undefined {
    return this.#firstUnitOk;
  }

  /**
   * The stream closed cleanly: what is left to send (a JSON array's closing bracket), and whether it ended without
   * finishing (no completion marker, or half an event left over).
   */
  end(): { rest: Buffer | undefined; truncated: boolean } {
    const pending = this.#pending;
    this.#pending = undefined;
    const text = pending?.toString('utf8').trim() ?? '';
    // a JSON array's last element and its closing bracket have no separator after them: they complete it
    if (pending && this.#framing === 'json-array' && text.endsWith(']')) {
      if (!this.#emitted) {
        this.#emitted = true;
        this.#firstUnitOk = text.startsWith('[') && isJsonObject(text.slice(1, -1).trim() || '{}');
      }
      this.#watchCompletion(pending);
      return { rest: pending, truncated: !this.#sawCompletion };
    }
    // half an event left over: the stream was cut, however cleanly the connection closed
    if (text !== '') return { rest: undefined, truncated: true };
    return { rest: undefined, truncated: !this.#sawCompletion };
  }

  /** Google's bare error object, once the stream has ended, if one was held back. */
  bareError(): ErrorStatus | undefined {
    if (!this.#bareError) return undefined;
    const text = Buffer.concat(this.#bareError).toString('utf8');
    const status = parseEnvelope(text);
    if (status && status.code >= 400 && status.code <= 599) return status;
    return errorStatus(502, `upstream wrote something that is not an SSE event: ${text.slice(0, 200)}`);
  }

  /** Where the last whole unit ends in `bytes` (0 when none has). */
  #lastBoundary(bytes: Buffer): number {
    if (this.#framing === 'json-array') {
      // up to a separator, not through it: an error element can then follow after a separator of its own
      const at = bytes.lastIndexOf(ARRAY_SEPARATOR);
      return Math.max(at, 0);
    }
    const crlf = bytes.lastIndexOf(EVENT_END_CRLF);
    const lf = bytes.lastIndexOf(EVENT_END_LF);
    return Math.max(crlf < 0 ? 0 : crlf + 4, lf < 0 ? 0 : lf + 2);
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

/** The first unit of a stream: an SSE event whose data is a JSON object (or OpenAI's [DONE]), or `[` + an element. */
function firstUnitOk(framing: Exclude<StreamFraming, 'none'>, unit: Buffer): boolean {
  const text = unit.toString('utf8').trim();
  if (framing === 'json-array') return text.startsWith('[') && isJsonObject(text.slice(1));
  const event = /^data:\s?([\s\S]*?)\s*$/.exec(text.split(/\r?\n\r?\n/, 1)[0] ?? '');
  if (!event) return false;
  const data = event[1] ?? '';
  return (framing === 'openai-sse' && data === '[DONE]') || isJsonObject(data);
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
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
