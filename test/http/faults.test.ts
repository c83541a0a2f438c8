// What the server says when something goes wrong inside: unexpected exceptions become a bare
// 500 INTERNAL, faults of the data directory a 5xx naming only their code; the full error goes
// to the log, never to the client.

import test from 'ava';
import { AirlockError } from '../../src/core/errors.ts';
import { setup } from './helpers.ts';

const LEAK = /\bat [\w$.<>]+ \(|\bat (?:file:|\/)|\/(?:tmp|work|home|usr|var|srv)\/|\.ts\b/;

test('an unexpected exception is a 500 INTERNAL with no stack or path, and is logged', async (t) => {
  const logged: unknown[] = [];
  const s = await setup(t, {
    log: (_message, error) => logged.push(error),
    wrap: (a) => ({
      ...a,
      licenses: () => {
        throw new Error('ENOENT: no such file /srv/airlock/data/ledger/000001.seg');
      },
    }),
  });
  const res = await s.call('GET', '/licenses', { token: s.tokens.operator });
  t.is(res.status, 500);
  t.deepEqual(res.json, { error: { code: 'INTERNAL', message: 'unexpected error' } });
  t.notRegex(res.text, LEAK);
  t.is(logged.length, 1);
  t.regex(String(logged[0]), /000001\.seg/);
});

test('a fault of the data directory names its code but not its message', async (t) => {
  const logged: unknown[] = [];
  const s = await setup(t, {
    log: (_message, error) => logged.push(error),
    wrap: (a) => ({
      ...a,
      respond: () =>
        Promise.reject(
          new AirlockError(
            'LEDGER_UNAVAILABLE',
            'Cannot write /srv/airlock/data/ledger: the disk is full (ENOSPC).',
            { path: '/srv/airlock/data/ledger' },
          ),
        ),
    }),
  });
  const res = await s.call('POST', '/activate', {
    token: s.tokens.operator,
    body: { challenge: 'C' },
  });
  t.is(res.status, 503);
  t.is(res.json.error.code, 'LEDGER_UNAVAILABLE');
  t.notRegex(res.text, LEAK);
  t.false('details' in res.json.error);
  t.is(logged.length, 1);
});
