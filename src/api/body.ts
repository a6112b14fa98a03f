import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors.js';
import { type BodyFacts, scanBody, scanBodyInSlices } from '../wire/model-fields.js';

/**
 * Reads the request body once, bounded by the limit, and keeps it so that any attempt can resend it whatever its
 * size (docs/design.md §8: HAProxy cannot retry a body over its 16 KiB buffer). With a Content-Length — what every SDK sends —
 * the bytes are copied straight into one buffer of that size as they arrive, so a 20 MB image is held once, never
 * as a list of chunks plus their concatenation.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared =
    req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (declared !== undefined && declared > limitBytes) return Promise.reject(tooLarge(limitBytes));
  return new Promise((resolve, reject) => {
    const known = declared !== undefined && Number.isSafeInteger(declared) ? declared : undefined;
    const whole = known !== undefined ? Buffer.allocUnsafe(known) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > (known ?? limitBytes)) {
        req.off('data', onData);
        req.resume();
        reject(
          known !== undefined
            ? new GatewayError('INVALID_REQUEST', 'Body longer than its Content-Length.')
            : tooLarge(limitBytes),
        );
        return;
      }
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
    };
    req.on('data', onData);
    req.on('end', () => {
      if (whole) resolve(size === whole.length ? whole : whole.subarray(0, size));
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

function tooLarge(limitBytes: number): GatewayError {
  return new GatewayError('BODY_TOO_LARGE', `Request payload size exceeds the limit: ${limitBytes} bytes.`);
}

/** Bodies up to this size are scanned in one go; larger ones in slices, so other requests are not held up. */
const SCAN_AT_ONCE_BYTES = 256 * 1024;

/**
 * Reads a JSON request body and the facts the gateway needs from it (where it names the model, the OpenAI `stream`
 * flag) without parsing it into objects. Malformed JSON is refused here, as Google refuses it, before any upstream
 * is called.
 */
export async function readJsonBody(
  req: IncomingMessage,
  limitBytes: number,
): Promise<{ body: Buffer; facts: BodyFacts }> {
  const body = await readBody(req, limitBytes);
  const scan = body.length > SCAN_AT_ONCE_BYTES ? await scanBodyInSlices(body) : scanBody(body);
  if ('error' in scan) {
    throw new GatewayError('INVALID_REQUEST', `Invalid JSON payload received. ${scan.error}.`);
  }
  return { body, facts: scan };
}
