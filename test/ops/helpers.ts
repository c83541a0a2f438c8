// The `airlock` command run in this process (main(), as bin/airlock.js runs it) with --json, for
// the steps of a scenario that need no process of their own: its exit code and its one JSON object.

import { main } from '../../src/cli/main.ts';

export async function cli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<{ exitCode: number; json: Record<string, any>; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const exitCode = await main([...args, '--json'], {
    env: { AIRLOCK_MACHINE_ID: 'machine-a', ...env },
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: [],
  });
  return { exitCode, json: JSON.parse(stdout) as Record<string, any>, stderr };
}
