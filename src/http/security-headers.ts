// The headers every answer of the appliance carries, whichever part of the server writes it: the
// Koa app (src/http/app.ts), the console's files (which loosen the CSP for their own scripts) and
// the raw answers Node's HTTP parser gives to requests it cannot read (src/http/server.ts).

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * Over HTTPS: browsers that reached the appliance once with a certificate they trust refuse plain
 * HTTP to it for a year. No includeSubDomains: the appliance speaks only for its own host name.
 */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000';
