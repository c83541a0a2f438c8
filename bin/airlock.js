#!/usr/bin/env node
// Entry point of the `airlock` command from the sources: loads the TypeScript through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/entry.ts');
