// The whole offline loop over HTTP with the client SDK: a machine's challenge is typed (or
// photographed) at the operator desk, the response applied on the machine, the machine
// deactivated, and its seat free again.

import test from 'ava';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import {
  applyResponse,
  createChallenge,
  deactivate,
  emptyState,
  getStatus,
} from '../../src/sdk/index.ts';
import { decodeQrCodes } from '../../src/scan/decode.ts';
import { decodeImage } from '../../src/scan/image.ts';
import { NOW, setup } from './helpers.ts';

test('a typed challenge gets a response the machine accepts; its deactivation frees the seat', async (t) => {
  const s = await setup(t, { seats: 1 });
  const op = s.tokens.operator;
  const a = createChallenge(emptyState(), s.key, s.machine('a'));

  const answered = await s.call('POST', '/offline/respond?svg=true', {
    token: op,
    body: { challenge: a.text },
  });
  t.is(answered.status, 200, answered.text);
  const r = answered.json;
  t.like(r, {
    licenseId: s.licenseId,
    product: 'cad',
    features: ['pro'],
    renewal: false,
    seats: 1,
    seatsUsed: 1,
  });
  t.true(r.response.length <= 150);
  t.regex(r.qrSvg, /^<svg[^>]*>[\s\S]*<\/svg>\s*$/);
  const plain = await s.call('POST', '/offline/respond', {
    token: op,
    body: { challenge: a.text },
  });
  t.is(plain.json.qrSvg, undefined, 'no SVG unless asked for');
  t.is(plain.json.renewal, true);
  const bad = await s.call('POST', '/offline/respond?svg=yes', {
    token: op,
    body: { challenge: a.text },
  });
  t.is(bad.status, 400);
  t.is(r.leaseEndsAt, NOW + 30 * 86400);

  const applied = applyResponse(a.state, r.qr, s.machine('a'));
  t.is(applied.activation.activationId, r.activationId);
  t.true(getStatus(applied.state, s.machine('a')).status.valid);

  // The seat is taken: another machine is refused.
  const b = createChallenge(emptyState(), s.key, s.machine('b'));
  const refused = await s.call('POST', '/offline/respond', {
    token: op,
    body: { challenge: b.text },
  });
  t.is(refused.status, 409);
  t.is(refused.json.error.code, 'SEATS_EXHAUSTED');
  t.deepEqual(refused.json.error.details, { seats: 1, used: 1 });

  const { code } = deactivate(applied.state, { now: NOW });
  const freed = await s.call('POST', '/offline/deactivate', { token: op, body: { code } });
  t.deepEqual(freed.json, {
    outcome: 'freed',
    activationId: r.activationId,
    licenseId: s.licenseId,
  });
  const again = await s.call('POST', '/offline/deactivate', { token: op, body: { code } });
  t.is(again.json.outcome, 'already');

  const license = await s.call('GET', `/licenses/${s.licenseId}`, { token: op });
  t.like(license.json, { seats: 1, seatsUsed: 0, seatsFree: 1 });
  t.is(license.json.activations[0].status, 'deactivated');
  const b2 = await s.call('POST', '/offline/respond', { token: op, body: { challenge: b.text } });
  t.is(b2.status, 200);
});

test('the same machine asking again renews its activation and takes no second seat', async (t) => {
  const s = await setup(t, { seats: 1 });
  const first = createChallenge(emptyState(), s.key, s.machine('a'));
  const r1 = await s.call('POST', '/offline/respond', {
    token: s.tokens.operator,
    body: { challenge: first.text },
  });
  const second = createChallenge(emptyState(), s.key, s.machine('a'));
  const r2 = await s.call('POST', '/offline/respond', {
    token: s.tokens.operator,
    body: { challenge: second.text },
  });
  t.is(r2.status, 200);
  t.is(r2.json.activationId, r1.json.activationId);
  t.true(r2.json.renewal);
  t.is(r2.json.seatsUsed, 1);
});

test('a photo of the challenge QR code is read on the server and answered', async (t) => {
  const s = await setup(t);
  const a = createChallenge(emptyState(), s.key, s.machine('photo'));
  const png = await QRCode.toBuffer(a.text, { errorCorrectionLevel: 'M', width: 300 });
  const res = await s.call('POST', '/offline/respond-image', {
    token: s.tokens.operator,
    body: new Uint8Array(png),
    headers: { 'content-type': 'image/png' },
  });
  t.is(res.status, 200, res.text);
  t.is(res.json.challenge, a.text);
  t.truthy(applyResponse(a.state, res.json.qr, s.machine('photo')).activation);
});

test('a photo without a QR code, or with one that is no challenge, is refused with a reason', async (t) => {
  const s = await setup(t);
  const white = new PNG({ width: 200, height: 200 });
  white.data.fill(255);
  const blank = PNG.sync.write(white);
  const none = await s.call('POST', '/offline/respond-image', {
    token: s.tokens.operator,
    body: new Uint8Array(blank),
    headers: { 'content-type': 'image/png' },
  });
  t.is(none.status, 400);
  t.is(none.json.error.code, 'QR_NOT_FOUND');

  const keyQr = await QRCode.toBuffer(s.key, { errorCorrectionLevel: 'L', width: 600 });
  const wrong = await s.call('POST', '/offline/respond-image', {
    token: s.tokens.operator,
    body: new Uint8Array(keyQr),
    headers: { 'content-type': 'image/png' },
  });
  t.is(wrong.status, 400, wrong.text);
  t.is(wrong.json.error.code, 'CODE_WRONG_KIND');
  t.regex(wrong.json.error.message, /license code, not a challenge/);
});

test('POST /scan names every code in a picture, whatever its kind', async (t) => {
  const s = await setup(t);
  const a = createChallenge(emptyState(), s.key, s.machine('scan'));
  const png = await QRCode.toBuffer(a.text, { errorCorrectionLevel: 'M', width: 300 });
  const res = await s.call('POST', '/scan', {
    token: s.tokens.operator,
    body: new Uint8Array(png),
    headers: { 'content-type': 'image/png' },
  });
  t.is(res.status, 200, res.text);
  t.deepEqual(res.json, { codes: [{ text: a.text, kind: 'challenge' }] });

  const keyQr = await QRCode.toBuffer(s.key, { errorCorrectionLevel: 'L', width: 600 });
  const key = await s.call('POST', '/scan', {
    token: s.tokens.operator,
    body: new Uint8Array(keyQr),
    headers: { 'content-type': 'image/png' },
  });
  t.deepEqual(key.json, { codes: [{ text: s.key, kind: 'license' }] });

  const white = new PNG({ width: 200, height: 200 });
  white.data.fill(255);
  const none = await s.call('POST', '/scan', {
    token: s.tokens.operator,
    body: new Uint8Array(PNG.sync.write(white)),
    headers: { 'content-type': 'image/png' },
  });
  t.is(none.status, 400);
  t.is(none.json.error.code, 'QR_NOT_FOUND');
  const json = await s.call('POST', '/scan', { token: s.tokens.operator, body: { text: 'x' } });
  t.is(json.status, 415);
});

test('the response QR code is served as a PNG that reads back as the same text', async (t) => {
  const s = await setup(t);
  const a = createChallenge(emptyState(), s.key, s.machine('png'));
  const r = await s.call('POST', '/offline/respond', {
    token: s.tokens.operator,
    body: { challenge: a.text },
  });
  const res = await fetch(`${s.url}/offline/qr.png?${new URLSearchParams({ text: r.json.qr })}`, {
    headers: { authorization: `Bearer ${s.tokens.operator}` },
  });
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), 'image/png');
  t.is(res.headers.get('cache-control'), 'no-store');
  const bytes = new Uint8Array(await res.arrayBuffer());
  t.deepEqual(decodeQrCodes(decodeImage(bytes)), [r.json.qr]);
});
