// Preloaded into a CLI child (node --require): writes the time of its first outgoing TCP connection
// (Date.now(), then a newline) to fd 3, once. The "no silent waits" bound counts from the first request, not
// from the process start (which a loaded machine can stretch by seconds before any request is made).
const { channel } = require('node:diagnostics_channel');
const { writeSync } = require('node:fs');

let told = false;
channel('net.client.socket').subscribe(() => {
  if (told) return;
  told = true;
  writeSync(3, `${Date.now()}\n`);
});
