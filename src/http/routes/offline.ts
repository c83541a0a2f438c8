// The operator's offline desk: a challenge typed or photographed in, the signed response out as
// text and QR code; a deactivation code in, the seat freed.

import type { Appliance, Responded } from '../../appliance/appliance.ts';
import { IMAGE_LIMIT, mediaType, readBody, readJsonObject } from '../body.ts';
import { AirlockError } from '../../core/errors.ts';
import { HttpError } from '../errors.ts';
import { optional, parseFields, parseQuery, required } from '../fields.ts';
import { challengeInPhoto, codesInPhoto } from '../photo.ts';
import { MAX_QR_TEXT, qrPng, qrSvg } from '../qr.ts';
import type { HttpContext, Route } from '../route.ts';

/** Longer than any code; the decoders give the precise refusal (CODE_TOO_LONG) below this. */
export const MAX_CODE_FIELD = 4096;

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg']);

/**
 * The answer as JSON; with `?svg=true` also its QR code as SVG (drawing one costs more than the
 * rest of the answer, so only callers that show it ask for it).
 */
export async function renderResponded(r: Responded, withSvg: boolean) {
  return withSvg ? { ...r, qrSvg: await qrSvg(r.qr) } : r;
}

/** `?svg=true` (or false, the default); any other query is refused before the body is read. */
function wantsSvg(ctx: HttpContext): boolean {
  const { svg } = parseQuery(ctx.query, { svg: optional(5) });
  if (svg !== undefined && svg !== 'true' && svg !== 'false') {
    throw new AirlockError('FORMAT_INVALID', 'The svg parameter is true or false.');
  }
  return svg === 'true';
}

/** The picture sent as the request body (PNG or JPEG), bounded. */
async function readImage(ctx: HttpContext): Promise<Uint8Array> {
  if (!IMAGE_TYPES.has(mediaType(ctx.req))) {
    throw new HttpError(
      'MEDIA_TYPE_UNSUPPORTED',
      'Send the picture itself as the request body, with Content-Type image/png or image/jpeg.',
    );
  }
  return readBody(ctx.req, IMAGE_LIMIT);
}

/** Shared by the offline desk and online clients: the code is the proof either way. */
export function deactivateHandler(appliance: Appliance) {
  return async (ctx: HttpContext) => {
    const body = parseFields(await readJsonObject(ctx.req), { code: required(MAX_CODE_FIELD) });
    ctx.body = await appliance.deactivate(body.code);
  };
}

export function offlineRoutes(appliance: Appliance): Route[] {
  return [
    {
      method: 'POST',
      path: '/offline/respond',
      access: 'operator',
      limited: true,
      async handle(ctx) {
        const withSvg = wantsSvg(ctx);
        const body = parseFields(await readJsonObject(ctx.req), {
          challenge: required(MAX_CODE_FIELD),
        });
        ctx.body = await renderResponded(
          await appliance.respond(body.challenge, { channel: 'offline' }),
          withSvg,
        );
      },
    },
    {
      method: 'POST',
      path: '/offline/respond-image',
      access: 'operator',
      limited: true,
      async handle(ctx) {
        const withSvg = wantsSvg(ctx);
        const challenge = challengeInPhoto(await readImage(ctx));
        const responded = await appliance.respond(challenge, { channel: 'offline' });
        ctx.body = { challenge, ...(await renderResponded(responded, withSvg)) };
      },
    },
    {
      // The console's photo upload: what codes the picture holds, for any kind of code; the
      // console then answers or deactivates with the one it wanted.
      method: 'POST',
      path: '/scan',
      access: 'operator',
      limited: true,
      async handle(ctx) {
        ctx.body = { codes: codesInPhoto(await readImage(ctx)) };
      },
    },
    {
      method: 'POST',
      path: '/offline/deactivate',
      access: 'operator',
      limited: true,
      handle: deactivateHandler(appliance),
    },
    {
      method: 'GET',
      path: '/offline/qr.png',
      access: 'operator',
      async handle(ctx) {
        const { text } = parseQuery(ctx.query, { text: required(MAX_QR_TEXT) });
        ctx.type = 'image/png';
        ctx.body = Buffer.from(await qrPng(text));
      },
    },
  ];
}
