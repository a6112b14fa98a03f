/**
 * The admin API's shapes, for the type checker only (npx tsc -p web): docs/admin-api.md in prose,
 * test/support/admin-contract.ts as schemas. Nothing here runs.
 *
 * @typedef {import('../test/support/admin-contract.js').Status} Status
 * @typedef {import('../test/support/admin-contract.js').Alias} Alias
 * @typedef {import('../test/support/admin-contract.js').Target} Target
 * @typedef {import('../test/support/admin-contract.js').Window} Window
 * @typedef {import('../test/support/admin-contract.js').Rollout} Rollout
 * @typedef {import('../test/support/admin-contract.js').Drain} Drain
 * @typedef {import('../test/support/admin-contract.js').TimelineEntry} TimelineEntry
 * @typedef {import('../test/support/admin-contract.js').AuditEntry} AuditEntry
 * @typedef {import('../test/support/admin-contract.js').StoreHealth} StoreHealth
 * @typedef {'ok' | 'warn' | 'bad' | 'info' | 'none'} Tone
 */
export {};
