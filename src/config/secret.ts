import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Secrets (client keys, the admin token) are kept only as SHA-256 digests: the config may name a key
 * in clear (`key: ${TEAM_A_KEY}`), but loading hashes it at once so the plain text never reaches
 * the Config object, logs or a dump of it.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** True when `candidate` hashes to `sha256` (lowercase hex); compares in constant time. */
export function secretMatches(candidate: string, sha256: string): boolean {
  const expected = Buffer.from(sha256, 'hex');
  const actual = createHash('sha256').update(candidate, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * The dashboard's session key for an admin token: a keyed hash of the token itself, so replicas sharing the token
 * agree on it, and the token's SHA-256 digest (which a config may show) does not give it away.
 */
export function sessionKeyOf(token: string): string {
  return createHmac('sha256', 'aliasgate-dashboard-session-v1').update(token, 'utf8').digest('hex');
}
