import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { isStoreUnavailable } from '../store/operator-store.js';
import { validateWith } from '../validation/issue.js';

/** What the admin API's operator actions share: the reason every change must give, parsing, store failures. */

/** Every operator change says why: the audit log is read in the post-mortem. */
export const reason = z
  .string({ error: 'reason is required: say why (it is kept in the audit log)' })
  .max(2000)
  .refine((r) => r.trim() !== '', { message: 'reason is required: say why (it is kept in the audit log)' });

/** A store failure is the operator's to hear about, clearly, as 503: the change was not made. */
export async function persisted<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (isStoreUnavailable(e))
      throw new GatewayError('STORE_UNAVAILABLE', e.message, undefined, { cause: e });
    throw e;
  }
}

/** A JSON body checked against `schema`; the first problem, named by its field, as a 400. */
export function parse<T>(schema: z.ZodType<T>, body: Buffer): T {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new GatewayError('INVALID_REQUEST', 'Invalid JSON payload received.');
  }
  const parsed = validateWith(schema, value);
  if (parsed.ok) return parsed.value;
  const issue = parsed.issues[0]!;
  throw new GatewayError(
    'INVALID_REQUEST',
    `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`,
  );
}
