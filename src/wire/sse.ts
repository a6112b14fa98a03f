/**
 * Stream framings of streamGenerateContent (docs/wire.md §7).
 * SSE: every event is `data: ` + one line of compact JSON + CRLF CRLF, the last one too; no
 * `event:`/`id:`/`[DONE]` (the SDK's reader breaks on them, docs/wire.md §7.4).
 * JSON array (no `alt`, or `alt=json`): `[` + pretty element + (`\r\n,\r\n` + element)* + `\r\n]`.
 */
export const SSE_EVENT_END = '\r\n\r\n';

export function sseEvent(value: unknown): string {
  return `data: ${JSON.stringify(value)}${SSE_EVENT_END}`;
}

export const JSON_ARRAY_OPEN = '[';
export const JSON_ARRAY_SEPARATOR = '\r\n,\r\n';
export const JSON_ARRAY_CLOSE = '\r\n]';

export function jsonArrayElement(value: unknown, first: boolean): string {
  return (first ? JSON_ARRAY_OPEN : JSON_ARRAY_SEPARATOR) + JSON.stringify(value, null, 2);
}

/**
 * Incremental SSE reader with the same event boundaries as the SDK's (docs/wire.md §7.4): an event ends at
 * the earliest blank line (`\n\n`, `\r\r` or `\r\n\r\n`). Yields the payload after `data:`.
 */
export class SseReader {
  #buffer = '';

  push(text: string): string[] {
    this.#buffer += text;
    const out: string[] = [];
    for (;;) {
      const m = /\r\n\r\n|\n\n|\r\r/.exec(this.#buffer);
      if (!m) break;
      const event = this.#buffer.slice(0, m.index).trim();
      this.#buffer = this.#buffer.slice(m.index + m[0].length);
      if (event.startsWith('data:')) out.push(event.slice(5).trim());
    }
    return out;
  }

  /** What is left unterminated when the stream ends (a truncated stream leaves something). */
  rest(): string {
    return this.#buffer.trim();
  }
}
