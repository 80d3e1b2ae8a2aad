/**
 * A certificate as Python 2's `ssl.getpeercert()` prints it, the way seed 003's Unified CM discovery
 * log shows it ("Server presented certificate that does not match host ...: {'subjectAltName': ...}").
 */
import type { X509Certificate } from 'node:crypto';

function pyStr(s: string): string {
  return `u'${s.replace(/'/g, "\\'")}'`;
}

const PY_ATTR: Record<string, string> = {
  C: 'countryName',
  ST: 'stateOrProvinceName',
  L: 'localityName',
  O: 'organizationName',
  OU: 'organizationalUnitName',
  CN: 'commonName',
  DC: 'domainComponent',
};

function pyName(dn: string): string {
  const rdns = dn
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const i = l.indexOf('=');
      const k = l.slice(0, i);
      return `(('${PY_ATTR[k] ?? k}', ${pyStr(l.slice(i + 1))}),)`;
    });
  return `(${rdns.join(', ')},)`;
}

export function pythonCertDict(c: X509Certificate): string {
  const san = (c.subjectAltName ?? '')
    .split(/,\s*/)
    .filter(Boolean)
    .map((e) => (e.startsWith('DNS:') ? `('DNS', '${e.slice(4)}')` : `('IP Address', '${e.slice(11)}')`));
  return `{'subjectAltName': (${san.join(', ')}${san.length === 1 ? ',' : ''}), 'notBefore': ${pyStr(c.validFrom)}, 'serialNumber': ${pyStr(c.serialNumber.toUpperCase())}, 'notAfter': '${c.validTo}', 'version': 3L, 'subject': ${pyName(c.subject)}, 'issuer': ${pyName(c.issuer)}}`;
}
