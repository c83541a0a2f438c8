// How the console shows times, seats and IDs: the same wording on every page.

/** Unix seconds as a local date and time, "2026-12-01 14:05". */
export function dateTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const d = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "3 days", "2 hours", "40 seconds": a length of time, rounded to its largest unit. */
export function duration(seconds: number): string {
  const abs = Math.abs(seconds);
  const [value, unit] =
    abs < 90
      ? [Math.round(abs), 'second']
      : abs < 5400
        ? [Math.round(abs / 60), 'minute']
        : abs < 129600
          ? [Math.round(abs / 3600), 'hour']
          : [Math.round(abs / 86400), 'day'];
  return `${value} ${unit}${value === 1 ? '' : 's'}`;
}

/** "in 3 days", "2 hours ago": how far a time is from now. */
export function relative(seconds: number, now = Date.now() / 1000): string {
  const text = duration(seconds - now);
  return seconds >= now ? `in ${text}` : `${text} ago`;
}

/** "3 of 10 used, 7 free", or "3 in use (no limit)". */
export function seatsText(seats: number, used: number): string {
  if (seats === 0) return `${used} in use (no seat limit)`;
  return `${used} of ${seats} used, ${Math.max(0, seats - used)} free`;
}

/** Hex bytes in groups of four, easier to compare by eye: "9f3a 0c1e 77b2 4d08". */
export function hexGroups(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return hex.replace(/(.{4})(?=.)/g, '$1 ');
}
