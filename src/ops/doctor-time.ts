// airlock doctor's findings about time: the TLS and appliance certificates' expiry, how current
// the vendor's revocations are, and whether the clock can be right. Pure.

import type { CheckName, DoctorFacts, Finding } from './doctor-facts.ts';
import { date, days, fail, ok, warn } from './doctor-words.ts';

const DAY = 86400;
/** Certificates: warn this long before they end. */
export const EXPIRY_WARNING_SECONDS = 30 * DAY;
/** A clock this far behind the ledger's last record is wrong, not an NTP step. */
export const CLOCK_SLACK_SECONDS = 60;
const REVOCATIONS_SOON_SECONDS = 7 * DAY;

function expiry(
  check: CheckName,
  what: string,
  notAfter: number,
  now: number,
  renew: string,
): Finding {
  if (notAfter <= now) return fail(check, `${what} expired on ${date(notAfter)}.`, renew);
  if (notAfter - now < EXPIRY_WARNING_SECONDS) {
    return warn(check, `${what} expires in ${days(notAfter - now)} (${date(notAfter)}).`, renew);
  }
  return ok(check, `${what} is valid until ${date(notAfter)} (${days(notAfter - now)}).`);
}

export function tlsFinding(f: DoctorFacts): Finding {
  const renew = `airlock appliance tls --data ${f.dir} --renew (or install the site CA's: --cert FILE --key FILE)`;
  switch (f.tls.kind) {
    case 'plain-http':
      return ok(
        'tls certificate',
        'serve is configured for plain HTTP (tls = false): no certificate is used.',
      );
    case 'missing':
      return warn(
        'tls certificate',
        'there is no TLS certificate in tls/; `airlock serve` makes a self-signed one when it starts.',
        renew,
      );
    case 'unusable':
      return fail('tls certificate', `${f.tls.file} cannot be used: ${f.tls.problem}`, renew);
    case 'present':
      return expiry(
        'tls certificate',
        `the TLS certificate ${f.tls.file}`,
        f.tls.notAfter,
        f.now,
        renew,
      );
  }
}

export function certificateFinding(f: DoctorFacts): Finding {
  const renew =
    f.mode === 'standalone'
      ? `airlock appliance rotate-key --data ${f.dir} (a new key, certified by the vendor root the appliance holds)`
      : `ask the vendor for a new certificate (airlock vendor delegate), then airlock appliance install-cert CERT --data ${f.dir}`;
  switch (f.certificate.kind) {
    case 'missing':
      return fail(
        'appliance certificate',
        'the appliance has no certificate: it cannot sign responses until the vendor certifies its key.',
        `send ${f.dir}/delegation-request.json to the vendor, then airlock appliance install-cert CERT --data ${f.dir}`,
      );
    case 'unusable':
      return fail('appliance certificate', f.certificate.problem, renew);
    case 'present':
      return expiry(
        'appliance certificate',
        `the appliance certificate ${f.certificate.id}`,
        f.certificate.notAfter,
        f.now,
        renew,
      );
  }
}

export function revocationFinding(f: DoctorFacts): Finding {
  const fix = `airlock sync import FOLDER|FILE --data ${f.dir} with the vendor's latest bundle`;
  const r = f.revocations;
  if (r.kind === 'unreadable') return fail('revocations', r.problem, fix);
  if (r.kind === 'none') {
    return f.mode === 'standalone'
      ? ok(
          'revocations',
          'standalone: the appliance holds the vendor root; there is no vendor bundle to import.',
        )
      : warn('revocations', 'no vendor revocation bundle was imported yet.', fix);
  }
  if (r.nextUpdate <= f.now) {
    return fail(
      'revocations',
      `the vendor's revocation bundle ${r.sequence} is stale: its next update was due on ${date(r.nextUpdate)}.`,
      fix,
    );
  }
  const soon = Math.min(REVOCATIONS_SOON_SECONDS, Math.floor((r.nextUpdate - r.issuedAt) / 4));
  if (r.nextUpdate - f.now < soon) {
    return warn(
      'revocations',
      `the vendor's revocation bundle ${r.sequence} is due for its update in ${days(r.nextUpdate - f.now)} (${date(r.nextUpdate)}).`,
      fix,
    );
  }
  return ok(
    'revocations',
    `the vendor's revocation bundle ${r.sequence} is current until ${date(r.nextUpdate)}.`,
  );
}

export function clockFinding(f: DoctorFacts): Finding {
  const fix = 'set the system clock (enable NTP, or set it by hand from a trusted clock)';
  if (f.now < f.builtAt) {
    return fail(
      'clock',
      `the clock says ${date(f.now)}, before this airlock was built (${date(f.builtAt)}).`,
      fix,
    );
  }
  if (f.lastRecordAt !== null && f.now < f.lastRecordAt - CLOCK_SLACK_SECONDS) {
    return fail(
      'clock',
      `the clock says ${date(f.now)}, before the ledger's last record (${date(f.lastRecordAt)}): it was set back.`,
      fix,
    );
  }
  return ok(
    'clock',
    `the clock says ${date(f.now)}, after the build and the ledger's last record.`,
  );
}
