import type { Downstream } from '../upstream/attempt.js';
import { FieldRewriter } from '../wire/field-rewrite.js';

/**
 * For an alias whose builds stay hidden (`exposeBuilds: false`): the answer's field that names the model that
 * served — Gemini's `modelVersion`, the OpenAI-compatible `model` — and the alias name put there instead.
 */
export interface Rename {
  field: 'modelVersion' | 'model';
  name: string;
}

/** A whole body, renamed. */
export function renamed(body: Buffer, rename: Rename): Buffer {
  return new FieldRewriter(rename.field, rename.name).push(body);
}

/**
 * Renames a forwarded stream unit by unit on its way to the client. Units arrive whole (upstream/stream-watch.ts),
 * so the field is never split; backpressure is the client's own.
 */
export class RenamingDownstream implements Downstream {
  readonly #inner: Downstream;
  readonly #rewriter: FieldRewriter;

  constructor(inner: Downstream, rename: Rename) {
    this.#inner = inner;
    this.#rewriter = new FieldRewriter(rename.field, rename.name);
  }

  write(chunk: Buffer): boolean {
    return this.#inner.write(this.#rewriter.push(chunk));
  }

  once(event: 'drain', fn: () => void): unknown {
    return this.#inner.once(event, fn);
  }
}
