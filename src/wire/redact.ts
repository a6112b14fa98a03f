/** `?key=…` / `&key=…` in a URL or text, with the value replaced: an API key never reaches a report or a log. */
export function redactKeyParams(text: string): string {
  return text.replace(/([?&]key=)[^&#\s"']*/gi, '$1REDACTED');
}
