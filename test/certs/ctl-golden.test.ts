/**
 * CUCM's own numbers (docs/reference/trust-files.md §1.2, §1.7, TAC-118893, seed 002) reproduced byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciscoIssuer, ciscoSubject } from '../../certs/cisco-dn.ts';
import {
  buildTrustList,
  encodeTrustRecord,
  parseTrustList,
  Role,
  recordFromCertificate,
  type TrustRecord,
} from '../../certs/ctl.ts';
import { unwrap } from '../../emulator/result.ts';
import { CertFactory, PUB_SERIAL, PUB_SUBJECT, type TestCert } from './ctl-fixtures.ts';

const f = new CertFactory();
afterAll(() => f.cleanup());

let pub1024: TestCert;
beforeAll(async () => {
  pub1024 = await f.cert({ subject: PUB_SUBJECT, serial: PUB_SERIAL, bits: 1024 });
});

const TS = 1425667513; // Fri Mar 06 2015 18:45:13 UTC

describe('CTL header arithmetic matches CUCM', () => {
  it('renders the publisher DN in CUCM form with 62 bytes on the wire', () => {
    expect(ciscoSubject(pub1024.cert)).toBe('CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL');
    expect(ciscoIssuer(pub1024.cert).length + 1).toBe(62);
  });

  it('tokenless CTL signed by a 1024-bit cert with 62/62 names and a 16-byte serial has HeaderLength 336', () => {
    const bytes = unwrap(
      buildTrustList({
        kind: 'CTL',
        signer: { cert: pub1024.cert, key: pub1024.key },
        timestamp: TS,
        records: [],
      }),
    );
    const list = unwrap(parseTrustList(bytes));
    expect(list.headerLength).toBe(336);
    expect(list.header.elements.find((e) => e.tag === 3)?.length).toBe(149);
    expect(list.header.elements.find((e) => e.tag === 7)?.length).toBe(15);
    expect(bytes.length).toBe(336);
  });

  it('eToken-signed CTL with 56/42 names and a 10-byte serial has HeaderLength 304 and SIGNERID 117', async () => {
    const ca = await f.cert({
      subject: '/O=Cisco Systems/CN=Cisco Manufacturing CA',
      serial: '01',
      bits: 1024,
      ca: true,
    });
    const token = await f.cert({
      subject: '/O=Cisco Systems, Inc./OU=IPCBU/CN=SAST-ADN4e31f914 ',
      serial: 'BDA302000000D888641F',
      key: f.rsaKey(1024, true),
      issuer: ca,
    });
    const name = ciscoSubject(token.cert, 'etoken');
    const issuer = ciscoIssuer(token.cert, 'etoken');
    expect(name).toBe('cn="SAST-ADN4e31f914 ";ou=IPCBU;o="Cisco Systems, Inc."');
    expect(issuer).toBe('cn=Cisco Manufacturing CA;o=Cisco Systems');
    const bytes = unwrap(
      buildTrustList({
        kind: 'CTL',
        signer: { cert: token.cert, key: token.key, name, issuer },
        timestamp: TS,
        records: [],
      }),
    );
    const list = unwrap(parseTrustList(bytes));
    expect(list.headerLength).toBe(304);
    expect(list.header.elements.find((e) => e.tag === 3)?.length).toBe(117);
    expect(list.signer.serial.length).toBe(10);
  });

  it('an eToken record without tag 8 and an 894-byte cert is 1178 bytes, like seed 002 record #1', async () => {
    const ca = await f.cert({
      subject: '/O=Cisco Systems/CN=Cisco Manufacturing CA',
      serial: '02',
      bits: 1024,
      ca: true,
    });
    const opts = {
      subject: '/O=Cisco Systems, Inc./OU=IPCBU/CN=SAST-ADN4e31f914 ',
      serial: 'BDA302000000D888641F',
      key: f.rsaKey(1024, true),
      issuer: ca,
    };
    const token = await f.certTuned(opts, 894, (c) => c.cert.raw.length);
    const rec = recordFromCertificate(token.cert, Role.SAST, { etoken: true, dnStyle: 'etoken' });
    expect(rec.signature).toBeUndefined();
    expect(rec.publicKey.length).toBe(140);
    expect(encodeTrustRecord(rec).length).toBe(1178);
  });

  it('after a regen to 2048 bits the header is 464 and the file 6113 with records 1675+1675+1138+1161', async () => {
    // 1675 = 720 bytes of fields + a 955-byte certificate.
    const pub2048 = await f.certTuned(
      { subject: PUB_SUBJECT, serial: PUB_SERIAL, bits: 2048 },
      955,
      (c) => c.cert.raw.length,
    );
    const records = [
      sized(pub2048, Role.SAST, 1675),
      sized(pub2048, Role.CCM_TFTP, 1675),
      await sizedNew('/C=PL/ST=Malopolska/L=Krakow/O=Cisco/OU=TAC/CN=CAPF-12ab34cd', Role.CAPF, 1138),
      await sizedNew(
        '/C=PL/ST=Malopolska/L=Krakow/O=Cisco/OU=TAC/CN=ITLRECOVERY_cucm-1051-a-pub',
        Role.SAST,
        1161,
      ),
    ];
    const bytes = unwrap(
      buildTrustList({
        kind: 'CTL',
        signer: { cert: pub2048.cert, key: pub2048.key },
        timestamp: TS,
        records,
      }),
    );
    const list = unwrap(parseTrustList(bytes));
    expect(list.headerLength).toBe(464);
    expect(bytes.length).toBe(6113);
  });

  it('a 1024-bit record with 62/62 names, 16-byte serial and a 694-byte cert is 1156 bytes; the file is 4947', async () => {
    const pub = await f.certTuned(
      { subject: PUB_SUBJECT, serial: PUB_SERIAL, bits: 1024 },
      694,
      (c) => c.cert.raw.length,
    );
    const r1 = recordFromCertificate(pub.cert, Role.SAST, {
      dnsName: 'cucm-1051-a-pub',
      ipAddress: '10.48.47.153',
    });
    const r2 = recordFromCertificate(pub.cert, Role.CCM_TFTP, {
      dnsName: 'cucm-1051-a-pub',
      ipAddress: '10.48.47.153',
    });
    expect(r1.publicKey.length).toBe(140);
    expect(r1.signature?.length).toBe(128);
    expect(encodeTrustRecord(r1).length).toBe(1156);
    const records = [
      r1,
      r2,
      await sizedNew('/C=PL/ST=Malopolska/L=Krakow/O=Cisco/OU=TAC/CN=CAPF-12ab34cd', Role.CAPF, 1138),
      await sizedNew(
        '/C=PL/ST=Malopolska/L=Krakow/O=Cisco/OU=TAC/CN=ITLRECOVERY_cucm-1051-a-pub',
        Role.SAST,
        1161,
      ),
    ];
    const bytes = unwrap(
      buildTrustList({ kind: 'CTL', signer: { cert: pub.cert, key: pub.key }, timestamp: TS, records }),
    );
    const list = unwrap(parseTrustList(bytes));
    expect(list.headerLength).toBe(336);
    expect(list.records.map((r) => r.recordLength)).toEqual([1156, 1156, 1138, 1161]);
    expect(bytes.length).toBe(4947);
  });
});

function sized(c: TestCert, roleCode: number, target: number): TrustRecord {
  const rec = recordFromCertificate(c.cert, roleCode, {
    dnsName: 'cucm-1051-a-pub',
    ipAddress: '10.48.47.153',
  });
  expect(encodeTrustRecord(rec).length).toBe(target);
  return rec;
}

async function sizedNew(subject: string, roleCode: number, target: number): Promise<TrustRecord> {
  const make = (c: TestCert) =>
    recordFromCertificate(c.cert, roleCode, { dnsName: 'cucm-1051-a-pub', ipAddress: '10.48.47.153' });
  const c = await f.certTuned(
    { subject, serial: '5A6B7C8D9E0F1A2B', bits: 1024 },
    target,
    (x) => encodeTrustRecord(make(x)).length,
  );
  return make(c);
}
