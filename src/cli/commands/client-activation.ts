// `airlock client challenge | apply | activate | deactivate`: the steps of an offline activation on
// the machine being licensed, the same done online through the appliance's API (falling back to
// the offline challenge when it cannot be reached), and giving the seat back.

import { AirlockError, exitCodeOf } from '../../core/errors.ts';
import { DEACTIVATION_REASONS, type DeactivationReason } from '../../core/formats/deactivation.ts';
import { formatId } from '../../core/ids.ts';
import type { OpenedActivation } from '../../sdk/activation.ts';
import type { ChallengeResult } from '../../sdk/create-challenge.ts';
import type { ParsedArgs } from '../args.ts';
import type { Command } from '../command.ts';
import type { CliContext } from '../context.ts';
import { readCodeArgument } from '../inputs.ts';
import { list, outcome, relative, rows, when } from '../output.ts';
import { qrFileType, terminalQr, writeQrFile } from '../qr.ts';
import {
  ONLINE,
  onlineOptions,
  openClient,
  STORE,
  storeHint,
  TOKEN,
  TRUST,
} from './client-options.ts';

const QR = {
  type: 'string',
  value: 'FILE.png|FILE.svg',
  help: 'also write the QR code to this file',
} as const;

/** What the response to a renewal challenge will change; the activation held stays till then. */
function renewalNote(result: Omit<ChallengeResult, 'state'>): string[] {
  if (result.renews === null) return [];
  const keeps = 'the machine stays activated until its response is applied, and keeps its seat.';
  if (result.renews === 'lease') return [`This challenge renews the activation held: ${keeps}`];
  const l = result.license;
  const terms = `${l.type}, ${l.expiresAt === null ? 'does not expire' : `expires ${when(l.expiresAt)}`}`;
  return [
    `This challenge renews the activation held with a renewed key (${terms}), which replaces the key held: ${keeps}`,
  ];
}

/** The challenge for a person: typed, as a QR code, and what to do with it. */
async function challengeOutput(
  result: Omit<ChallengeResult, 'state'>,
  qrFile: string | undefined,
  args: ParsedArgs,
  ctx: CliContext,
) {
  if (qrFile !== undefined) await writeQrFile(qrFile, result.text);
  const licenseId = formatId('license', result.license.licenseId);
  const qr = ctx.interactive ? await terminalQr(result.text) : undefined;
  return {
    data: {
      challenge: result.text,
      licenseId,
      product: result.license.product,
      renews: result.renews,
      ...(qrFile === undefined ? {} : { qrFile }),
    },
    lines: [
      `Challenge for license ${licenseId} (${result.license.product}):`,
      ...renewalNote(result),
      '',
      result.text,
      ...(qr === undefined ? [] : ['', qr]),
      ...(qrFile === undefined ? [] : [`QR code written to ${qrFile}.`]),
      '',
      'Take it to the activation appliance (type it or scan the QR code), then enter its response:',
      `  airlock client apply RESPONSE ${storeHint(args)}`,
    ],
  };
}

/** An activation in place, for a person and for --json. */
function activatedOutput(
  a: OpenedActivation,
  args: ParsedArgs,
  now: number,
  firstRows: readonly (readonly [string, string])[] = [],
) {
  const licenseId = formatId('license', a.license.licenseId);
  return {
    data: {
      activated: true,
      activationId: a.activationId,
      applianceId: a.applianceId,
      licenseId,
      product: a.license.product,
      features: a.features,
      leaseEndsAt: a.leaseEndsAt,
    },
    lines: [
      `Activated: license ${licenseId} (${a.license.product}) on this machine, activation ${a.activationId}.`,
      ...rows([
        ...firstRows,
        ['features', list(a.features)],
        [
          'lease',
          a.leaseEndsAt === null
            ? 'none: the activation lasts as long as the license'
            : `ends ${when(a.leaseEndsAt)} (${relative(a.leaseEndsAt, now)}); renew with a new challenge before then`,
        ],
      ]),
      `Check it any time: airlock client status ${storeHint(args)}`,
    ],
  };
}

export const challenge: Command = {
  group: 'client',
  name: 'challenge',
  summary: 'verify a license key and make the challenge to take to the appliance',
  usage: '--license KEY --store DIR --trust FILE|DIR [--qr FILE.png|FILE.svg]',
  help: [
    'Verifies the license key offline against the trust file, then prints a challenge (at most 100',
    'characters) for the activation appliance: typed, or as a QR code (drawn in the terminal when',
    'it is one; --qr writes an image file). Only the latest challenge can be answered; making a',
    'new one replaces it. KEY may be - (standard input) or @FILE.',
    'While this machine is activated, the challenge renews the activation, which stays valid until',
    'the response is applied and keeps its seat. A renewed key (the same license ID, issued later)',
    'replaces the one held; an older key of that license is refused (LICENSE_EXISTS).',
  ].join('\n'),
  options: {
    license: { type: 'string', value: 'KEY', help: 'the license key to activate' },
    store: STORE,
    trust: TRUST,
    qr: QR,
  },
  required: ['license', 'store', 'trust'],
  async run(args, ctx) {
    const qrFile = args.string('qr');
    if (qrFile !== undefined) qrFileType(qrFile);
    const licenseKey = await readCodeArgument(args.required('license'), 'license key', ctx);
    const client = await openClient(args, ctx);
    const shown = await challengeOutput(await client.challenge(licenseKey), qrFile, args, ctx);
    return outcome(shown.data, shown.lines);
  },
};

export const apply: Command = {
  group: 'client',
  name: 'apply',
  summary: "enter the appliance's response and activate this machine",
  usage: 'RESPONSE --store DIR --trust FILE|DIR',
  help: [
    "Verifies the appliance's response (signature, appliance certificate chained to a trusted",
    "vendor key, bound to this machine's latest challenge) and keeps the activation. RESPONSE is",
    'the typed form, or the combined form from a QR code, which also carries the appliance',
    'certificate (needed on a first activation). A refused response changes nothing on disk.',
    'RESPONSE may be - (standard input) or @FILE.',
  ].join('\n'),
  options: { store: STORE, trust: TRUST },
  required: ['store', 'trust'],
  positionals: ['RESPONSE'],
  async run(args, ctx) {
    const response = await readCodeArgument(args.positionals[0]!, 'response code', ctx);
    const client = await openClient(args, ctx);
    const { activation } = await client.apply(response);
    const shown = activatedOutput(activation, args, ctx.now());
    return outcome(shown.data, shown.lines);
  },
};

export const activate: Command = {
  group: 'client',
  name: 'activate',
  summary: 'activate through the appliance over the network, or fall back to the challenge',
  usage:
    '--license KEY --online URL [--token TOKEN] --store DIR --trust FILE|DIR [--qr FILE.png|FILE.svg]',
  help: [
    "Makes this machine's challenge (as `client challenge` does), sends it to the appliance's API",
    'with an operator token (AIRLOCK_TOKEN, or --token), and applies the signed response: the store',
    'ends up exactly as after `client challenge` and `client apply`. Running it again renews the',
    'lease. A refusal (no seats left, revoked license, bad token, rate limit) is reported as such.',
    'When the appliance cannot be reached (network error, timeout, server error), the challenge is',
    'printed instead (and drawn or written as a QR code) for the offline way, and the command exits',
    'with the code of APPLIANCE_UNREACHABLE; enter the response later with `client apply`.',
  ].join('\n'),
  options: {
    license: { type: 'string', value: 'KEY', help: 'the license key to activate' },
    online: ONLINE,
    token: TOKEN,
    store: STORE,
    trust: TRUST,
    qr: { ...QR, help: 'if it falls back: also write the QR code to this file' },
  },
  required: ['license', 'online', 'store', 'trust'],
  async run(args, ctx) {
    const command = 'airlock client activate';
    const online = onlineOptions(args, ctx, command);
    const qrFile = args.string('qr');
    if (qrFile !== undefined) qrFileType(qrFile);
    const licenseKey = await readCodeArgument(args.required('license'), 'license key', ctx);
    const client = await openClient(args, ctx, { online });
    const result = await client.activate(licenseKey);
    if (result.mode === 'online') {
      const seats =
        result.seats === 0
          ? `${result.seatsUsed} in use (no limit)`
          : `${result.seatsUsed} of ${result.seats} in use`;
      const renewal = result.renewal ? ' (a renewal: this machine already held one)' : '';
      const shown = activatedOutput(result.activation, args, ctx.now(), [
        ['seats', `${seats}${renewal}`],
      ]);
      return outcome(
        {
          mode: 'online',
          ...shown.data,
          renewal: result.renewal,
          seats: result.seats,
          seatsUsed: result.seatsUsed,
        },
        shown.lines,
      );
    }
    const shown = await challengeOutput(result, qrFile, args, ctx);
    const code = 'APPLIANCE_UNREACHABLE';
    return {
      ...outcome({ mode: 'offline', ...shown.data, error: { code, message: result.unreachable } }, [
        `${result.unreachable} Activate offline instead.`,
        '',
        ...shown.lines,
      ]),
      exitCode: exitCodeOf(code),
    };
  },
};

function parseReason(text: string | undefined): DeactivationReason | undefined {
  if (text === undefined) return undefined;
  const reasons = DEACTIVATION_REASONS.filter((r) => r !== 'unspecified');
  const reason = reasons.find((r) => r === text);
  if (reason === undefined) {
    throw new AirlockError(
      'USAGE',
      `--reason must be one of ${reasons.join(', ')}. See \`airlock client deactivate --help\`.`,
    );
  }
  return reason;
}

export const deactivate: Command = {
  group: 'client',
  name: 'deactivate',
  summary: 'remove the activation and print the deactivation code that frees the seat',
  usage: '--store DIR [--reason retired|moving|reinstalling]',
  help: [
    "Removes this machine's activation and prints a deactivation code (at most 80 characters) that",
    'proves it: take it to the appliance, which frees the seat. Running it again shows the same',
    'code again.',
  ].join('\n'),
  options: {
    store: STORE,
    reason: { type: 'string', value: 'REASON', help: 'retired, moving or reinstalling' },
  },
  required: ['store'],
  async run(args, ctx) {
    const reason = parseReason(args.string('reason'));
    const client = await openClient(args, ctx, { needsTrust: false });
    const result = await client.deactivate(reason);
    const qr = ctx.interactive ? await terminalQr(result.code) : undefined;
    return outcome(
      {
        code: result.code,
        licenseId: result.licenseId,
        activationId: result.activationId,
        removed: result.removed,
      },
      [
        result.removed
          ? `Deactivated: this machine no longer holds activation ${result.activationId} of license ${result.licenseId}.`
          : `This machine was already deactivated (activation ${result.activationId} of license ${result.licenseId}); here is its code again.`,
        'Take this deactivation code to the appliance so that it frees the seat:',
        '',
        result.code,
        ...(qr === undefined ? [] : ['', qr]),
      ],
    );
  },
};
