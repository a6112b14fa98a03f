import { createHmac, hash, timingSafeEqual } from 'node:crypto';

/**
 * Secrets (client keys, the admin token) are kept only as SHA-256 digests: the config may name a key
 * in clear (`key: ${TEAM_A_KEY}`), but loading hashes it at once so the plain text never reaches
 * the Config object, logs or a dump of it.
 */
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/**
 * The SHA-256 digest of a presented secret, as bytes to compare. `crypto.hash` (Node ≥ 20.12) is the one-shot form:
 * no Hash object per call, which matters on a request path that hashes every client's key.
 */
export function secretDigest(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

/** True when `candidate` hashes to `sha256` (lowercase hex); compares in constant time. */
export function secretMatches(candidate: string, sha256: string): boolean {
  const expected = Buffer.from(sha256, 'hex');
  const actual = secretDigest(candidate);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * The dashboard's session key for an admin token: a keyed hash of the token itself, so replicas sharing the token
 * agree on it, and the token's SHA-256 digest (which a config may show) does not give it away.
 */
export function sessionKeyOf(token: string): string {
  return createHmac('sha256', 'aliasgate-dashboard-session-v1').update(token, 'utf8').digest('hex');
}
