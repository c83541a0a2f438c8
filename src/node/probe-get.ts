// One bounded GET for a health probe, over HTTP or HTTPS: a deadline for the whole exchange, a
// small body, and on HTTPS either the one certificate the server must present (pinned: the data
// directory's own, self-signed or not) or ordinary verification against CAs and the host name.
// Every failure is APPLIANCE_UNREACHABLE with a sentence saying what happened.

import type { X509Certificate } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { AirlockError } from '../core/errors.ts';
import { errorCode } from './atomic-file.ts';

/** Health answers are a few dozen bytes; anything far larger is not an appliance. */
const MAX_BODY_BYTES = 64 * 1024;

export interface ProbeGetOptions {
  /** The time the whole exchange must end by (Date.now() milliseconds). */
  readonly deadline: number;
  /** HTTPS: the certificate the server must present, exactly (and its file, for messages). */
  readonly pinned?: { readonly certificate: X509Certificate; readonly file: string };
  /** HTTPS without a pin: CA certificates (PEM) to trust instead of the system's. */
  readonly ca?: string;
}

export interface ProbeResponse {
  readonly status: number;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly body: unknown;
}

function unreachable(message: string): AirlockError {
  return new AirlockError('APPLIANCE_UNREACHABLE', message);
}

/** A network or TLS failure, in words. */
function explain(url: URL, error: unknown): AirlockError {
  if (error instanceof AirlockError) return error;
  const code = errorCode(error) ?? '';
  const origin = url.origin;
  switch (code) {
    case 'ECONNREFUSED':
      return unreachable(
        `Nothing listens on ${origin} (connection refused): is airlock serve running?`,
      );
    case 'ECONNRESET':
    case 'EPIPE':
      return unreachable(
        `${origin} closed the connection without answering: does it serve ${url.protocol === 'https:' ? 'HTTPS' : 'plain HTTP'}? (airlock serve serves HTTPS unless tls = false)`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return unreachable(`The host name ${url.hostname} does not resolve.`);
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return unreachable(
        `${origin} does not speak HTTPS: is airlock serve running with plain HTTP (tls = false)?`,
      );
    default:
      if (/CERT|SELF_SIGNED|LEAF|ISSUER|ERR_TLS/.test(code)) {
        return unreachable(
          `The certificate of ${origin} is not trusted (${code}): give the CA's certificate with --cacert FILE, or probe by the data directory with --data DIR.`,
        );
      }
      return unreachable(
        `${origin} could not be reached: ${code || (error instanceof Error ? error.message : String(error))}.`,
      );
  }
}

function readBody(res: IncomingMessage, url: URL): Promise<unknown> {
  return new Promise((done, failed) => {
    const chunks: Buffer[] = [];
    let length = 0;
    res.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_BODY_BYTES) {
        res.destroy();
        failed(
          unreachable(
            `${url.origin} sent more than ${MAX_BODY_BYTES} bytes for ${url.pathname}: it is not an Airlock appliance.`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    res.on('error', failed);
    res.on('end', () => {
      try {
        done(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
      } catch {
        done(undefined);
      }
    });
  });
}

/** The certificate check of a pinned probe, as soon as the handshake is done. */
function checkPin(
  socket: TLSSocket,
  pinned: NonNullable<ProbeGetOptions['pinned']>,
  url: URL,
): void {
  const expected = pinned.certificate;
  const presented = socket.getPeerX509Certificate();
  if (presented === undefined || !presented.raw.equals(expected.raw)) {
    throw unreachable(
      `${url.origin} presents a certificate other than ${pinned.file} (SHA-256 ${presented?.fingerprint256 ?? 'none'}, expected ${expected.fingerprint256}): another program listens there, or the certificate was replaced and airlock serve not restarted since.`,
    );
  }
}

/** GETs `url` and returns its status and JSON body; refuses once the deadline passes. */
export function probeGet(url: URL, options: ProbeGetOptions): Promise<ProbeResponse> {
  const timeLeft = options.deadline - Date.now();
  if (timeLeft <= 0) return Promise.reject(unreachable(`${url.origin} did not answer in time.`));
  const https = url.protocol === 'https:';
  const tls = !https
    ? {}
    : options.pinned !== undefined
      ? // The pin replaces CA and name checks: the handshake proves the server holds the pinned
        // certificate's key. The GET carries nothing secret, and its answer is read only after.
        { rejectUnauthorized: false }
      : { rejectUnauthorized: true, ...(options.ca === undefined ? {} : { ca: options.ca }) };
  const send = https ? httpsRequest : httpRequest;
  return new Promise((done, failed) => {
    const fail = (error: unknown) => {
      clearTimeout(timer);
      req.destroy();
      failed(explain(url, error));
    };
    const req = send(
      url,
      { method: 'GET', agent: false, headers: { accept: 'application/json' }, ...tls },
      (res) => {
        readBody(res, url).then((body) => {
          clearTimeout(timer);
          done({ status: res.statusCode ?? 0, body });
        }, fail);
      },
    );
    const timer = setTimeout(
      () =>
        fail(
          unreachable(
            `${url.origin} did not answer ${url.pathname} within ${Math.ceil(timeLeft / 100) / 10} s.`,
          ),
        ),
      timeLeft,
    );
    if (https && options.pinned !== undefined) {
      const pinned = options.pinned;
      req.on('socket', (socket) =>
        socket.once('secureConnect', () => {
          try {
            checkPin(socket as TLSSocket, pinned, url);
          } catch (error) {
            fail(error);
          }
        }),
      );
    }
    req.on('error', fail);
    req.end();
  });
}
