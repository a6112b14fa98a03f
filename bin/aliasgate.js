#!/usr/bin/env node
import cluster from 'node:cluster';
import { main } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
// a worker that failed must end, or its channel to the primary keeps it alive and it is never replaced
if (cluster.isWorker && code !== 0) process.exit(code);
