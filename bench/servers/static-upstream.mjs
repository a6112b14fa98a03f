import { createServer } from 'node:http';
import { GENERATE_BODY, STREAM_BODY } from '../lib/canned.mjs';
import { announce } from './ipc.mjs';

/**
 * The static upstream when nginx is not installed: answers every POST with the canned body (the SSE one for
 * streamGenerateContent) after draining the request. Its CPU per request is reported, because unlike nginx it is
 * not free and shares the two cores with the proxy under test.
 */
const generate = Buffer.from(GENERATE_BODY);
const stream = Buffer.from(STREAM_BODY);
const GENERATE_HEAD = {
  'content-type': 'application/json; charset=UTF-8',
  'content-length': generate.length,
};
const STREAM_HEAD = { 'content-type': 'text/event-stream', 'content-length': stream.length };

const server = createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
  req.resume();
  req.once('end', () => {
    const sse = req.url.includes(':streamGenerateContent');
    res.writeHead(200, sse ? STREAM_HEAD : GENERATE_HEAD);
    res.end(sse ? stream : generate);
  });
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => announce(`http://127.0.0.1:${server.address().port}`));
