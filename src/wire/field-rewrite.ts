const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OBJECT = 0x7b;
const ARRAY = 0x5b;

/**
 * Replaces the string value of one field of the outermost JSON objects in a byte stream — `modelVersion` of a
 * Gemini answer, `model` of an OpenAI-compatible one — keeping every other byte. It reads any of the framings an
 * answer comes in: one object (unary), SSE events (`data: {…}`, and OpenAI's `data: [DONE]`), or Google's
 * streamed JSON array (`[{…}\r\n,\r\n{…}\r\n]`), where the outermost objects are the array's elements. Only fields of
 * an outermost object count, so a tool's arguments that happen to hold a `model` key are left alone.
 *
 * The state runs across chunks; strings are skipped with a native byte search. A value that a chunk boundary cuts
 * is left as it is: answers are forwarded in whole units (upstream/stream-watch.ts), so that happens only to a
 * unit larger than the hold limit.
 */
export class FieldRewriter {
  readonly #key: Buffer;
  readonly #value: Buffer;
  /** Open containers, innermost last. */
  readonly #stack: number[] = [];
  /** Index in #stack of the outermost object, or -1. */
  #outer = -1;
  /** In the outermost object: whether the next string is a field name. */
  #expectKey = false;
  /** The field name just read was the one to rewrite: its value comes next. */
  #armed = false;
  /** A string runs past the end of the last chunk; `#escaped`: that chunk ended in an unpaired backslash. */
  #inString = false;
  #escaped = false;

  constructor(key: string, value: string) {
    this.#key = Buffer.from(key, 'utf8');
    this.#value = Buffer.from(JSON.stringify(value), 'utf8');
  }

  /** The chunk, rewritten; the same Buffer when nothing in it changes. */
  push(chunk: Buffer): Buffer {
    const edits: number[] = [];
    let i = 0;
    if (this.#inString) {
      const end = this.#stringEnd(chunk, 0, this.#escaped);
      if (end < 0) return chunk;
      this.#inString = false;
      this.#afterString();
      i = end;
    }
    const n = chunk.length;
    while (i < n) {
      const b = chunk[i]!;
      if (b === QUOTE) {
        const end = this.#stringEnd(chunk, i + 1, false);
        if (end < 0) {
          this.#inString = true;
          this.#armed = false;
          return apply(chunk, edits, this.#value);
        }
        this.#string(chunk, i, end, edits);
        i = end;
        continue;
      }
      if (b === OBJECT || b === ARRAY) this.#open(b);
      else if (b === 0x7d || b === 0x5d) this.#close();
      else if (b === 0x2c && this.#atOuter()) {
        this.#expectKey = true;
        this.#armed = false;
      } else if (b !== 0x3a && b > 0x20 && this.#atOuter()) {
        // a number or literal value: whatever field was armed does not hold a string
        this.#armed = false;
      }
      i++;
    }
    return apply(chunk, edits, this.#value);
  }

  #atOuter(): boolean {
    return this.#outer >= 0 && this.#outer === this.#stack.length - 1;
  }

  #open(b: number): void {
    if (this.#atOuter()) this.#armed = false;
    this.#stack.push(b);
    if (b === OBJECT && this.#outer < 0) {
      this.#outer = this.#stack.length - 1;
      this.#expectKey = true;
    }
  }

  #close(): void {
    this.#stack.pop();
    if (this.#outer >= this.#stack.length) {
      this.#outer = -1;
      this.#armed = false;
    }
  }

  /** A whole string at [start, end) (quotes included). */
  #string(chunk: Buffer, start: number, end: number, edits: number[]): void {
    if (!this.#atOuter()) return;
    if (this.#expectKey) {
      this.#expectKey = false;
      const len = end - start - 2;
      this.#armed = len === this.#key.length && chunk.compare(this.#key, 0, len, start + 1, end - 1) === 0;
      return;
    }
    if (this.#armed) edits.push(start, end);
    this.#armed = false;
  }

  /** A string that began in an earlier chunk has ended: it was a key or a value nobody asked to rewrite. */
  #afterString(): void {
    if (!this.#atOuter()) return;
    if (this.#expectKey) this.#expectKey = false;
    this.#armed = false;
  }

  /** Just past the closing quote of a string whose content starts at `from`, or -1 (and the escape state kept). */
  #stringEnd(chunk: Buffer, from: number, escapedAtStart: boolean): number {
    let at = from;
    for (;;) {
      const quote = chunk.indexOf(QUOTE, at);
      if (quote < 0) {
        this.#escaped = endsEscaped(chunk, from, escapedAtStart);
        return -1;
      }
      let slashes = 0;
      for (let j = quote - 1; j >= from && chunk[j] === BACKSLASH; j--) slashes++;
      if (slashes === quote - from && escapedAtStart) slashes++;
      if (slashes % 2 === 0) return quote + 1;
      at = quote + 1;
    }
  }
}

/** Whether a chunk that ends inside a string ends in an unpaired backslash (its next byte is escaped). */
function endsEscaped(chunk: Buffer, from: number, escapedAtStart: boolean): boolean {
  let slashes = 0;
  for (let j = chunk.length - 1; j >= from && chunk[j] === BACKSLASH; j--) slashes++;
  if (slashes === chunk.length - from && escapedAtStart) slashes++;
  return slashes % 2 === 1;
}

function apply(chunk: Buffer, edits: number[], value: Buffer): Buffer {
  if (edits.length === 0) return chunk;
  const parts: Buffer[] = [];
  let at = 0;
  for (let k = 0; k < edits.length; k += 2) {
    parts.push(chunk.subarray(at, edits[k]), value);
    at = edits[k + 1]!;
  }
  parts.push(chunk.subarray(at));
  return Buffer.concat(parts);
}
