// How times appear in messages: ISO 8601 in UTC, to the second.

export function dateOf(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
