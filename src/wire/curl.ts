/**
 * The library-free reproduction both bug reports carry (the probe's and an incident's): a shell loop of plain curl
 * calls to one model, printing each answer's error message. The key stays `$GEMINI_API_KEY`, never a value.
 */
export function curlLoop(options: { url: string; body: unknown; calls: number; stream?: boolean }): string {
  return [
    `for i in $(seq 1 ${options.calls}); do`,
    `  curl -s${options.stream ? 'N' : ''} ${doubleQuote(options.url)} \\`,
    `    -H "x-goog-api-key: $GEMINI_API_KEY" \\`,
    `    -H 'Content-Type: application/json' \\`,
    `    -d ${singleQuote(JSON.stringify(options.body))} \\`,
    `    | grep -o '"message": "[^"]*"' | head -1`,
    'done',
  ].join('\n');
}

/** A POSIX-shell single-quoted string. */
function singleQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A POSIX-shell double-quoted string with nothing expanded. */
function doubleQuote(text: string): string {
  return `"${text.replace(/[\\"$`]/g, '\\$&')}"`;
}
