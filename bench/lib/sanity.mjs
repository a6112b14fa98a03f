import { request } from 'undici';

/**
 * Before a number is taken, each target must answer exactly what the upstream sends: a proxy that is fast
 * because it answers wrongly must fail the run, not win it.
 * `headers` are added to the request (a client key).
 * @returns {Promise<string | undefined>} what was wrong, or undefined
 */
export async function checkAnswer(url, path, body, expected, headers = {}) {
  try {
    const res = await request(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) return `${url}${path}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`;
    if (text !== expected)
      return `${url}${path}: body differs from the upstream's (${text.length} vs ${expected.length} bytes)`;
    return undefined;
  } catch (error) {
    return `${url}${path}: ${error.message}`;
  }
}
