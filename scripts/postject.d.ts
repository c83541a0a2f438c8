// postject ships no types; this is the one function the binary build calls.
declare module 'postject' {
  export function inject(
    file: string,
    resourceName: string,
    data: Buffer,
    options?: { sentinelFuse?: string; overwrite?: boolean },
  ): Promise<void>;
}
