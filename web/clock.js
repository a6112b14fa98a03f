/**
 * The gateway's time, as best the page knows it: "2m ago" and "until 14:03:20" are about the gateway's
 * clock, which may differ from the viewer's machine. Times are shown in the viewer's zone all the same.
 */
let offset = 0;

export function syncClock(/** @type {number} */ serverNow) {
  offset = serverNow - Date.now();
}

export function serverNow() {
  return Date.now() + offset;
}
