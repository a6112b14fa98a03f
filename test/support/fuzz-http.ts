import { type IncomingHttpHeaders, request } from 'node:http';

/** One fuzzed request, as bytes on the wire: any method, path, headers and body, and possibly a lying length. */
export interface FuzzRequest {
  method: string;
  /** Already percent-encoded where HTTP needs it; malformed escapes stay malformed. */
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Content-Length to declare instead of the body's real length (a lie). */
  declaredLength?: number;
}

export type FuzzAnswer =
  | { kind: 'answer'; status: number; headers: IncomingHttpHeaders; body: Buffer }
  | { kind: 'none'; reason: string };

/**
 * Sends over a fresh connection with node:http, which (unlike fetch or undici) lets a client declare a
 * Content-Length its body does not have. No answer within `timeoutMs` resolves as `none`, never a hang.
 */
export function sendRaw(baseUrl: string, req: FuzzRequest, timeoutMs: number): Promise<FuzzAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const headers = { ...req.headers, 'content-length': String(req.declaredLength ?? req.body.length) };
    let settled = false;
    /** The status line, once it arrived: an error after it means the answer itself was broken. */
    let head: number | undefined;
    const settle = (answer: FuzzAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const client = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent: false },
      (res) => {
        head = res.statusCode;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          settle({
            kind: 'answer',
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', (e) => settle({ kind: 'none', reason: `response broke: ${e.message}` }));
      },
    );
    const timer = setTimeout(() => {
      settle({ kind: 'none', reason: `no answer within ${timeoutMs} ms` });
      client.destroy();
    }, timeoutMs);
    client.on('error', (e: NodeJS.ErrnoException) => {
      const what = e.code ?? e.message;
      settle({
        kind: 'none',
        reason: head === undefined ? what : `the ${head} answer broke off or overran its length (${what})`,
      });
    });
    client.end(req.body);
  });
}
