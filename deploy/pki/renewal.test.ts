import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideLeaf, needsRenewal, type LeafOnDisk } from './renewal.ts';
import type { CertFacts } from './facts.ts';
import type { LeafSpec } from './specs.ts';

const DAY = 24 * 60 * 60 * 1000;
const now = new Date('2027-06-01T00:00:00Z');
const at = (days: number): Date => new Date(now.getTime() + days * DAY);

test('needsRenewal: k3s window of 90 days before expiry, and not-yet-valid certs', () => {
  const cases: Array<[string, number, number, number | undefined, boolean]> = [
    // name, notBefore (days from now), notAfter (days from now), window, renew?
    ['fresh 1-year cert', -1, 364, undefined, false],
    ['91 days left', -274, 91, undefined, false],
    ['exactly 90 days left', -275, 90, undefined, false],
    ['89 days left', -276, 89, undefined, true],
    ['expired', -400, -35, undefined, true],
    ['not yet valid (clock went back)', 1, 365, undefined, true],
    ['custom window 30 days, 40 left', -300, 40, 30, false],
    ['custom window 30 days, 20 left', -300, 20, 30, true],
    ['window 0, 1 day left', -300, 1, 0, false],
  ];
  for (const [name, nb, na, within, want] of cases) {
    const opts = within === undefined ? {} : { renewWithinDays: within };
    assert.equal(needsRenewal({ notBefore: at(nb), notAfter: at(na) }, now, opts), want, name);
  }
});

const spec: LeafSpec = {
  name: 'serving-kube-apiserver', ca: 'cluster', commonName: 'kube-apiserver', organizations: [],
  dnsNames: ['kubernetes', 'localhost', 'Srv1'], ipAddresses: ['127.0.0.1', '10.96.0.1'], usages: ['serverAuth'],
};
const issuer = { subject: 'CN=skiff-server-ca@1', subjectKeyId: 'aa' };
const good: CertFacts = {
  commonName: 'kube-apiserver', organizations: [], issuer: 'CN=skiff-server-ca@1', subject: 'CN=kube-apiserver', isCA: false,
  dnsNames: ['kubernetes', 'localhost', 'srv1'], ipAddresses: ['10.96.0.1', '127.0.0.1'], extKeyUsages: ['serverAuth'],
  notBefore: at(-10), notAfter: at(355), subjectKeyId: 'bb', authorityKeyId: 'aa',
};
const ok = (facts: CertFacts): LeafOnDisk => ({ cert: { facts }, key: 'ok', keyMatchesCert: true });

test('decideLeaf: keep a matching cert, reissue on every kind of drift, keep the key whenever it is readable', () => {
  const cases: Array<[string, LeafOnDisk, string | undefined, boolean]> = [
    // name, disk, expected reason pattern (undefined = keep), reuseKey
    ['matching cert is kept', ok(good), undefined, true],
    ['nothing on disk', { cert: { missing: true }, key: 'missing', keyMatchesCert: false }, 'key missing', false],
    ['key but no cert', { cert: { missing: true }, key: 'ok', keyMatchesCert: false }, 'cert missing', true],
    ['unreadable key', { cert: { facts: good }, key: 'invalid', keyMatchesCert: false }, 'key unreadable', false],
    ['unreadable cert', { cert: { invalid: 'bad DER' }, key: 'ok', keyMatchesCert: false }, 'cert unreadable: bad DER', true],
    ['cert of another key', { cert: { facts: good }, key: 'ok', keyMatchesCert: false }, 'cert does not match key', true],
    ['another CA', ok({ ...good, issuer: 'CN=other-ca' }), 'issued by CN=other-ca', true],
    ['same CA name, other key', ok({ ...good, authorityKeyId: 'cc' }), 'another key', true],
    ['a CA cert in a leaf slot', ok({ ...good, isCA: true }), 'is a CA cert', true],
    ['CN changed', ok({ ...good, commonName: 'x' }), 'CN x != kube-apiserver', true],
    ['groups changed', ok({ ...good, organizations: ['system:masters'] }), 'O [system:masters] != []', true],
    ['a node IP was added', ok({ ...good, ipAddresses: ['127.0.0.1'] }), 'IP SANs changed', true],
    ['hostname changed', ok({ ...good, dnsNames: ['kubernetes', 'localhost', 'old'] }), 'DNS SANs changed', true],
    ['usages changed', ok({ ...good, extKeyUsages: ['clientAuth'] }), 'usages [clientAuth] != [serverAuth]', true],
    ['due for renewal', ok({ ...good, notAfter: at(30) }), 'expires 2027-07-01T00:00:00.000Z', true],
  ];
  for (const [name, disk, reason, reuseKey] of cases) {
    const d = decideLeaf(disk, spec, issuer, now);
    if (reason === undefined) {
      assert.deepEqual(d, { action: 'keep' }, name);
    } else {
      assert.equal(d.action, 'issue', name);
      if (d.action === 'issue') {
        assert.ok(d.reason.includes(reason), `${name}: ${d.reason}`);
        assert.equal(d.reuseKey, reuseKey, name);
      }
    }
  }
});

test('decideLeaf: SAN order and IP spelling do not force a reissue', () => {
  const s: LeafSpec = { ...spec, dnsNames: ['localhost', 'srv1', 'kubernetes', 'kubernetes'], ipAddresses: ['10.96.0.1', '127.0.0.1'] };
  assert.deepEqual(decideLeaf(ok(good), s, issuer, now), { action: 'keep' });
  const v6: LeafSpec = { ...spec, ipAddresses: ['127.0.0.1', '10.96.0.1', '2001:db8:0:0:0:0:0:1'] };
  assert.deepEqual(decideLeaf(ok({ ...good, ipAddresses: ['10.96.0.1', '127.0.0.1', '2001:db8::1'] }), v6, issuer, now), { action: 'keep' });
});
