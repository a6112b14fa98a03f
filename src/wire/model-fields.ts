/**
 * Where a request body names the model again, besides the URL (docs/wire.md §5.1, §5.3, §9.3, §11): the top-level
 * `model` (OpenAI-compatible chat and embeddings, `embedContent`), every `requests[].model` (`batchEmbedContents`)
 * and `generateContentRequest.model` (`countTokens`; proto3 JSON also accepts `generate_content_request`). A gateway
 * that sends a request to another model must change all of them, or the upstream rejects the request (or worse,
 * serves another model than the URL names).
 *
 * The body is scanned, never parsed into objects: strings are skipped with a native byte search (a 20 MB inline
 * image costs one `indexOf`), only the structure is walked, and nothing is allocated but the fields found. The
 * scanner also reads the top-level `stream` flag, the one other fact the OpenAI-compatible surface needs. It
 * checks the JSON's structure (the upstream checks the rest), so a malformed body is refused before any upstream
 * sees it.
 */

export type ModelFieldPath = 'model' | 'requests[].model' | 'generateContentRequest.model';

/** One string that names the model: its bytes in the body (quotes included) and its decoded value. */
export interface ModelField {
  path: ModelFieldPath;
  start: number;
  end: number;
  value: string;
}

export interface BodyFacts {
  fields: ModelField[];
  /** The top-level `stream` when it is a JSON boolean. */
  stream: boolean | undefined;
}

export type BodyScan = BodyFacts | { error: string };

/** Deeper than protobuf's own JSON parser accepts (100); refused at once instead of walked. */
const MAX_DEPTH = 100;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

enum Expect {
  Value,
  ValueOrEnd,
  Key,
  KeyOrEnd,
  Colon,
  CommaOrEnd,
  Done,
}

interface Frame {
  array: boolean;
  key: string;
}

/**
 * Walks a JSON body in slices, so a large body never holds the event loop for long: `step(bytes)` advances at most
 * about that many bytes and says whether the scan is over. The top level must be an object.
 */
export class BodyScanner {
  readonly #body: Buffer;
  #pos = 0;
  #expect = Expect.Value;
  readonly #frames: Frame[] = [];
  readonly #fields: ModelField[] = [];
  #stream: boolean | undefined;
  #error: string | undefined;

  constructor(body: Buffer) {
    this.#body = body;
  }

  /** Advances the scan; true when it is over (see result()). */
  step(budget = Number.POSITIVE_INFINITY): boolean {
    const stop = this.#pos + budget;
    while (this.#error === undefined && this.#pos < stop) {
      if (!this.#next()) break;
    }
    return this.#error !== undefined || this.#expect === Expect.Done || this.#pos >= this.#body.length;
  }

  result(): BodyScan {
    if (this.#error !== undefined) return { error: this.#error };
    this.#skipSpace();
    if (this.#expect !== Expect.Done) return { error: 'the body ends before the JSON does' };
    if (this.#pos < this.#body.length)
      return { error: `unexpected data after the JSON at byte ${this.#pos}` };
    return { fields: this.#fields, stream: this.#stream };
  }

  /** One token; false when the input is used up. */
  #next(): boolean {
    this.#skipSpace();
    const body = this.#body;
    if (this.#pos >= body.length) return false;
    const c = body[this.#pos]!;
    switch (this.#expect) {
      case Expect.Value:
      case Expect.ValueOrEnd:
        if (c === 0x5d && this.#expect === Expect.ValueOrEnd) return this.#close(true);
        return this.#value(c);
      case Expect.KeyOrEnd:
      case Expect.Key:
        if (c === 0x7d && this.#expect === Expect.KeyOrEnd) return this.#close(false);
        if (c !== QUOTE) return this.#fail('expected a field name');
        return this.#key();
      case Expect.Colon:
        if (c !== 0x3a) return this.#fail("expected ':'");
        this.#pos++;
        this.#expect = Expect.Value;
        return true;
      case Expect.CommaOrEnd: {
        const frame = this.#frames[this.#frames.length - 1]!;
        if (c === 0x2c) {
          this.#pos++;
          this.#expect = frame.array ? Expect.Value : Expect.Key;
          return true;
        }
        if (c === (frame.array ? 0x5d : 0x7d)) return this.#close(frame.array);
        return this.#fail(`expected ',' or '${frame.array ? ']' : '}'}'`);
      }
      case Expect.Done:
        return false;
    }
  }

  #value(c: number): boolean {
    if (c === 0x7b || c === 0x5b) {
      if (this.#frames.length === 0 && c !== 0x7b) return this.#fail('expected a JSON object');
      if (this.#frames.length >= MAX_DEPTH) return this.#fail(`nested deeper than ${MAX_DEPTH} levels`);
      this.#frames.push({ array: c === 0x5b, key: '' });
      this.#pos++;
      this.#expect = c === 0x7b ? Expect.KeyOrEnd : Expect.ValueOrEnd;
      return true;
    }
    if (this.#frames.length === 0) return this.#fail('expected a JSON object');
    const start = this.#pos;
    if (c === QUOTE) {
      const end = this.#stringEnd(start);
      if (end < 0) return this.#fail('unterminated string');
      this.#pos = end;
      const path = this.#modelPath();
      if (path) this.#fields.push({ path, start, end, value: this.#decode(start, end) });
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      const word = c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null';
      if (this.#body.toString('latin1', start, start + word.length) !== word)
        return this.#fail('bad literal');
      this.#pos += word.length;
      if (word !== 'null' && this.#frames.length === 1 && this.#frames[0]!.key === 'stream') {
        this.#stream = word === 'true';
      }
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      this.#pos = this.#numberEnd(start);
    } else {
      return this.#fail(`unexpected character at byte ${start}`);
    }
    this.#afterValue();
    return true;
  }

  #key(): boolean {
    const start = this.#pos;
    const end = this.#stringEnd(start);
    if (end < 0) return this.#fail('unterminated field name');
    this.#frames[this.#frames.length - 1]!.key = this.#decode(start, end);
    this.#pos = end;
    this.#expect = Expect.Colon;
    return true;
  }

  #close(array: boolean): boolean {
    const frame = this.#frames.pop();
    if (!frame || frame.array !== array) return this.#fail('mismatched brackets');
    this.#pos++;
    this.#afterValue();
    return true;
  }

  #afterValue(): void {
    this.#expect = this.#frames.length === 0 ? Expect.Done : Expect.CommaOrEnd;
  }

  /** Which model field the string value now being read is, if any. */
  #modelPath(): ModelFieldPath | undefined {
    const f = this.#frames;
    if (f.length === 1) return f[0]!.key === 'model' ? 'model' : undefined;
    if (f.length === 2 && !f[1]!.array && f[1]!.key === 'model') {
      const outer = f[0]!.key;
      if (outer === 'generateContentRequest' || outer === 'generate_content_request')
        return 'generateContentRequest.model';
    }
    if (f.length === 3 && f[0]!.key === 'requests' && f[1]!.array && !f[2]!.array && f[2]!.key === 'model') {
      return 'requests[].model';
    }
    return undefined;
  }

  /** The offset just past the closing quote of the string opening at `start`, or -1. */
  #stringEnd(start: number): number {
    const body = this.#body;
    let from = start + 1;
    for (;;) {
      const quote = body.indexOf(QUOTE, from);
      if (quote < 0) return -1;
      let slashes = 0;
      for (let i = quote - 1; i > start && body[i] === BACKSLASH; i--) slashes++;
      if (slashes % 2 === 0) return quote + 1;
      from = quote + 1;
    }
  }

  #numberEnd(start: number): number {
    const body = this.#body;
    let i = start + 1;
    while (i < body.length) {
      const b = body[i]!;
      if ((b >= 0x30 && b <= 0x39) || b === 0x2e || b === 0x65 || b === 0x45 || b === 0x2b || b === 0x2d) i++;
      else break;
    }
    return i;
  }

  /** A JSON string's value; escapes are rare in keys and model ids, so JSON.parse runs only when one is there. */
  #decode(start: number, end: number): string {
    const slash = this.#body.indexOf(BACKSLASH, start);
    if (slash < 0 || slash >= end) {
      return this.#body.toString('utf8', start + 1, end - 1);
    }
    try {
      return JSON.parse(this.#body.toString('utf8', start, end)) as string;
    } catch {
      this.#fail('bad escape in a string');
      return '';
    }
  }

  #skipSpace(): void {
    const body = this.#body;
    let i = this.#pos;
    while (i < body.length) {
      const b = body[i]!;
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) i++;
      else break;
    }
    this.#pos = i;
  }

  #fail(reason: string): false {
    this.#error ??= reason;
    return false;
  }
}

/** Scans a whole body at once (small bodies, tests). */
export function scanBody(body: Buffer): BodyScan {
  const scanner = new BodyScanner(body);
  scanner.step();
  return scanner.result();
}

/** Bodies larger than this are scanned in slices, yielding to other requests in between. */
const SLICE_BYTES = 1024 * 1024;

export async function scanBodyInSlices(body: Buffer): Promise<BodyScan> {
  const scanner = new BodyScanner(body);
  while (!scanner.step(SLICE_BYTES)) await new Promise((resolve) => setImmediate(resolve));
  return scanner.result();
}

/**
 * The body with every model field naming `model` instead, keeping each field's own form (`models/x` or bare `x`).
 * Model ids need no JSON escaping (their alphabet is `[A-Za-z0-9._-]`). Returns the body itself when nothing changes.
 */
export function rewriteModelFields(body: Buffer, fields: readonly ModelField[], model: string): Buffer {
  let changed = false;
  for (const f of fields) if (f.value !== model && f.value !== `models/${model}`) changed = true;
  if (!changed) return body;
  const parts: Buffer[] = [];
  let at = 0;
  for (const f of fields) {
    parts.push(body.subarray(at, f.start));
    parts.push(Buffer.from(`"${f.value.startsWith('models/') ? 'models/' : ''}${model}"`, 'utf8'));
    at = f.end;
  }
  parts.push(body.subarray(at));
  return Buffer.concat(parts);
}
