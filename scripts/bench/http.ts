// Benchmark section: offline responses over real HTTP. The appliance as `airlock serve` runs it
// (file ledger with durable group-committed appends, bearer token, rate limiter, the full JSON
// answer), against the ceiling of a bare Koa handler that only decodes the challenge and signs the
// answer with the same key through the same core function. 64 keep-alive clients, each request a
// new machine, so every appliance answer is a new activation and a ledger append.

import { mkdtemp, rm } from 'node:fs/promises';
import type { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import type { ApplianceIdentity } from '../../src/appliance/data-dir.ts';
import { answerChallenge } from '../../src/core/answer-challenge.ts';
import { decodeChallenge } from '../../src/core/formats/challenge.ts';
import {
  decodeLicenseKey,
  type LicenseKey,
  parseLicenseKey,
} from '../../src/core/formats/license-key.ts';
import { decodeResponse, verifyResponseSignature } from '../../src/core/formats/response.ts';
import { runAppliance, type RunningAppliance } from '../../src/http/run.ts';
import { startServer, type RunningServer } from '../../src/http/server.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import { clock, createBenchApplianceDir, machineChallenges, random } from './appliance-fixture.ts';
import { keepAliveAgent, loadFor, type LoadResult, type LoadTarget, post } from './http-load.ts';
import type { MeasureOptions } from './measure.ts';
import type { Report } from './report.ts';

/** The appliance should keep at least this share of the bare handler's responses per second. */
const TARGET_RATIO = 0.6;
const CLIENTS = 64;
const ROUNDS = 3;
const PATH = '/api/v1/offline/respond';
/** Challenges are made before each appliance run, for at most this many requests. */
const MAX_CHALLENGES_PER_RUN = 20_000;
/** No run sends more than this, however fast the server. */
const MAX_REQUESTS_PER_RUN = 200_000;

/** The ceiling: a bare Koa app whose one handler reads the body, decodes, signs, answers. */
function ceilingApp(identity: ApplianceIdentity, license: LicenseKey): Koa {
  const certificate = identity.certificate;
  if (certificate === undefined) throw new Error('the benchmark appliance has no certificate');
  let activationId = 0;
  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.method !== 'POST' || ctx.path !== PATH) return;
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { challenge?: unknown };
    const answer = answerChallenge({
      challenge: decodeChallenge(body.challenge),
      license,
      certificate,
      signer: identity.signer,
      now: clock(),
      activationId: ++activationId,
    });
    ctx.body = { response: answer.text, qr: answer.combined };
  });
  return app;
}

/**
 * Both servers must answer with a response that verifies before their speeds mean anything.
 * Returns what went wrong, or undefined.
 */
export async function checkAnswer(
  agent: Agent,
  target: LoadTarget,
  json: string,
  publicKey: Uint8Array,
): Promise<string | undefined> {
  const answer = await post(agent, target, json);
  if (answer.status !== 200) return `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
  const { response } = decodeResponse((JSON.parse(answer.body) as { response: unknown }).response);
  const challenge = decodeChallenge((JSON.parse(json) as { challenge: unknown }).challenge);
  return verifyResponseSignature(response, challenge, publicKey, nodeSuite)
    ? undefined
    : `${target.url} answered with a response that does not verify`;
}

const faster = (a: LoadResult | undefined, b: LoadResult): LoadResult =>
  a === undefined || b.perSecond > a.perSecond ? b : a;

export async function httpSection(report: Report, options: MeasureOptions): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'airlock-bench-http-'));
  const logged: string[] = [];
  const agents = { appliance: keepAliveAgent(CLIENTS), ceiling: keepAliveAgent(CLIENTS) };
  let appliance: RunningAppliance | undefined;
  let ceiling: RunningServer | undefined;
  try {
    const fixture = await createBenchApplianceDir(join(root, 'appliance'));
    appliance = await runAppliance({
      dir: fixture.dir,
      host: '127.0.0.1',
      port: 0,
      clock,
      random,
      rateLimit: { perMinute: 1e9, burst: 1e9 },
      log: (line) => void (logged.length < 3 && logged.push(line)),
    });
    await appliance.appliance.addLicense(fixture.licenseKey);
    const license = parseLicenseKey(decodeLicenseKey(fixture.licenseKey));
    ceiling = await startServer(ceilingApp(appliance.identity, license), {
      host: '127.0.0.1',
      port: 0,
    });
    const targets: Record<'appliance' | 'ceiling', LoadTarget> = {
      appliance: {
        url: appliance.url,
        path: PATH,
        headers: { Authorization: `Bearer ${fixture.token}` },
      },
      ceiling: { url: ceiling.url, path: PATH },
    };

    // Request bodies: the appliance takes each once (a new machine each time); the ceiling, which
    // keeps nothing, cycles through the same ones.
    const bodies: string[] = [];
    let used = 0;
    let cycled = 0;
    const next = {
      appliance: () => (used < bodies.length ? bodies[used++] : undefined),
      ceiling: () => bodies[cycled++ % bodies.length],
    };
    /** Makes sure the appliance has bodies for `perSecond` over `seconds` (challenges are slow). */
    const provide = (perSecond: number, seconds: number) => {
      const want = Math.min(
        MAX_CHALLENGES_PER_RUN,
        Math.ceil(perSecond * seconds * 1.25) + CLIENTS,
      );
      const missing = want - (bodies.length - used);
      if (missing <= 0) return;
      const made = machineChallenges(fixture.licenseKey, fixture.trust, bodies.length, missing);
      for (const challenge of made) bodies.push(JSON.stringify({ challenge }));
    };

    provide(1000, 1);
    const publicKey = appliance.identity.signer.publicKey;
    let failure =
      (await checkAnswer(agents.ceiling, targets.ceiling, next.ceiling()!, publicKey)) ??
      (await checkAnswer(agents.appliance, targets.appliance, next.appliance()!, publicKey));

    const seconds = Math.max(1, options.seconds);
    const warmup = Math.max(0.3, options.warmupSeconds);
    const run = async (name: 'appliance' | 'ceiling', forSeconds: number) =>
      loadFor(agents[name], targets[name], next[name], {
        clients: CLIENTS,
        seconds: forSeconds,
        maxRequests: MAX_REQUESTS_PER_RUN,
      });

    const best: { appliance?: LoadResult; ceiling?: LoadResult } = {};
    let exhausted = false;
    if (failure === undefined) {
      const warmCeiling = await run('ceiling', warmup);
      provide(warmCeiling.perSecond, warmup);
      failure = warmCeiling.failure ?? (await run('appliance', warmup)).failure;
    }
    // Interleaved rounds, best of each, so drift in the machine's speed favours neither.
    for (let round = 0; round < ROUNDS && failure === undefined; round++) {
      const c = await run('ceiling', seconds);
      best.ceiling = faster(best.ceiling, c);
      provide((best.appliance ?? best.ceiling).perSecond, seconds);
      const a = await run('appliance', seconds);
      best.appliance = faster(best.appliance, a);
      failure = c.failure ?? a.failure;
      exhausted ||= a.exhausted;
    }
    const activations = appliance.appliance.state.activations.size;

    const title = `HTTP offline responses, ${CLIENTS} concurrent keep-alive clients on 127.0.0.1`;
    if (failure !== undefined || best.appliance === undefined || best.ceiling === undefined) {
      process.exitCode = 1;
      report.section(title, [{ result: 'FAIL', reason: failure ?? 'no measurement' }], logged);
      return;
    }
    const ratio = best.appliance.perSecond / best.ceiling.perSecond;
    report.section(
      title,
      [
        {
          server: 'appliance: POST /api/v1/offline/respond',
          'responses/s': best.appliance.perSecond,
          'p50 ms': best.appliance.p50,
          'p99 ms': best.appliance.p99,
          'appliance/ceiling': ratio,
          [`target >= ${TARGET_RATIO.toFixed(2)}`]: ratio >= TARGET_RATIO ? 'PASS' : 'BELOW TARGET',
        },
        {
          server: 'ceiling: bare Koa, decode + sign',
          'responses/s': best.ceiling.perSecond,
          'p50 ms': best.ceiling.p50,
          'p99 ms': best.ceiling.p99,
        },
      ],
      [
        'appliance: runAppliance (src/http/run.ts): token, rate limit, file ledger (fdatasync, group',
        '  commit), each request a new machine so a new activation; answer { response, qr, … } (no SVG)',
        'ceiling: same body read as JSON, decodeChallenge + answerChallenge with the same key, no',
        '  ledger, no auth, no rate limit; answer { response, qr }',
        `best of ${ROUNDS} interleaved rounds of ${seconds} s after ${warmup} s warm-up each; the load generator`,
        `  (node:http, keep-alive) runs in the same process; ${activations.toLocaleString('en-US')} activations at the end` +
          (exhausted ? '; the appliance ran out of challenges in a round (its rate stands)' : ''),
      ],
    );
  } finally {
    for (const agent of Object.values(agents)) agent.destroy();
    await ceiling?.close();
    await appliance?.close();
    await rm(root, { recursive: true, force: true });
  }
}
