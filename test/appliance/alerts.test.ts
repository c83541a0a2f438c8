// The alert detector: many new machines on one license, many refusals from one address, a product
// outside the certificate's scope; each raised once per window.

import test from 'ava';
import { createAlertDetector } from '../../src/appliance/alerts.ts';

const T = 1_800_000_000;
const thresholds = {
  machines: 3,
  machineWindowSeconds: 600,
  refusals: 4,
  refusalWindowSeconds: 300,
};

test('new machines on one license within the window raise one alert', (t) => {
  const d = createAlertDetector(thresholds);
  const grant = (at: number, licenseId = 'lic_a') => d.observe({ kind: 'granted', at, licenseId });
  t.deepEqual(grant(T), []);
  t.deepEqual(grant(T + 10, 'lic_b'), [], 'another license counts apart');
  t.deepEqual(grant(T + 20), []);
  const [alert, ...rest] = grant(T + 30);
  t.deepEqual(rest, []);
  t.like(alert, { kind: 'many-machines', subject: 'lic_a', at: T + 30 });
  t.regex(alert!.message, /3 new machines activated license lic_a within 10 minutes/);
  t.deepEqual(grant(T + 40), [], 'raised once per window');
  // Spread out over more than the window, the same number raises nothing.
  const slow = createAlertDetector(thresholds);
  for (let i = 0; i < 10; i++) {
    t.deepEqual(slow.observe({ kind: 'granted', at: T + i * 400, licenseId: 'lic_a' }), []);
  }
});

test('refusals from one address raise an alert; a certificate-scope refusal always does', (t) => {
  const d = createAlertDetector(thresholds);
  const refuse = (at: number, code = 'UNAUTHORIZED', address = '10.0.0.9') =>
    d.observe({ kind: 'refused', at, address, code });
  t.deepEqual(refuse(T), []);
  t.deepEqual(refuse(T + 1, 'UNAUTHORIZED', '10.0.0.8'), []);
  t.deepEqual(refuse(T + 2), []);
  t.deepEqual(refuse(T + 3), []);
  t.like(refuse(T + 4, 'SIGN_IN_FAILED'), [{ kind: 'many-refusals', subject: '10.0.0.9' }]);
  const scope = refuse(T + 400, 'CERTIFICATE_SCOPE', '10.0.0.7');
  t.like(scope, [{ kind: 'out-of-scope', subject: '10.0.0.7' }]);
});
