// Debian's Chromium as the browser tests and the browser benchmark launch it: where it is, and the
// flags this machine's closed network needs (no background connections) when run as root.

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
