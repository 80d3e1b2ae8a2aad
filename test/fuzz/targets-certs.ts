/**
 * Fuzz targets for the file formats in certs/ (called, not changed here): CTL/ITL, .sgn, .enc.sgn,
 * phone config XML, XmlDefault, PEM, certificate DER, PKCS#7, and `uclab inspect` over all of them.
 * Seeds are lab-made files: a deterministic PKI (seeded context, committed key pool, RSA signatures
 * only, so every run starts from the same bytes and FUZZ_SEED replays exactly).
 */

import { certificateFields } from '../../certs/cisco-dn.ts';
import {
  buildTrustList,
  parseTrustList,
  Role,
  recordFromCertificate,
  verifyTrustList,
} from '../../certs/ctl.ts';
import { buildEncSgn, decryptEncSgn, encryptedConfigFilename, parseEncSgn } from '../../certs/enc-sgn.ts';
import { describeCertificate, inspectFile, pkcs7Certificates } from '../../certs/inspect.ts';
import { createPkiContext, type Identity, issueCertificate } from '../../certs/issue.ts';
import { certToPem, joinPemBundle, parsePemBlocks } from '../../certs/pem.ts';
import {
  buildPhoneConfig,
  buildXmlDefault,
  DEFAULT_PORTS,
  defaultPhoneConfig,
  parsePhoneConfig,
  parseXmlDefault,
} from '../../certs/phone-config.ts';
import { pkcs7Der, pkcs7Pem } from '../../certs/pkcs7.ts';
import { type CucmNode, cucmSelfSigned, lscProfile } from '../../certs/profiles.ts';
import { buildSgn, openSgn, parseSgn, signedConfigFilename } from '../../certs/sgn.ts';
import { unwrap } from '../../emulator/result.ts';
import type { FuzzTarget } from './target.ts';

const MAC = '001122334455';
const TIMESTAMP = 1_700_000_000;
const START = new Date(Date.UTC(2024, 0, 1));

export interface LabFiles {
  callManager: Identity;
  lsc: Identity;
  itl: Buffer;
  ctl: Buffer;
  sgn: Buffer;
  encSgn: Buffer;
  configXml: Buffer;
  sccpConfigXml: Buffer;
  xmlDefault: Buffer;
  certDers: Buffer[];
  certPem: Buffer;
  bundlePem: Buffer;
  pkcs7Der: Buffer;
  pkcs7Pem: Buffer;
}

let files: Promise<LabFiles> | undefined;

/** The lab's own files, built once per process. */
export function labFiles(): Promise<LabFiles> {
  files ??= build();
  return files;
}

async function build(): Promise<LabFiles> {
  const ctx = createPkiContext({ seed: 'uclab-fuzz', labStart: START, now: () => START });
  const node: CucmNode = { host: 'cucm-pub', domain: 'lab.example', ou: 'TAC', o: 'Lab', c: 'PL' };
  const unit = (u: 'CallManager' | 'TVS' | 'CAPF' | 'ITLRecovery') =>
    issueCertificate(ctx, cucmSelfSigned(ctx, node, u));
  const callManager = await unit('CallManager');
  const tvs = await unit('TVS');
  const capf = await unit('CAPF');
  const recovery = await unit('ITLRecovery');
  const lsc = await issueCertificate(ctx, lscProfile(ctx, { model: 'CP-8861', mac: MAC }), capf);
  const lscEc = await issueCertificate(
    ctx,
    lscProfile(ctx, { model: 'CP-8851', mac: '00AABBCCDDEE', key: { kind: 'ec', curve: 'P-256' } }),
    capf,
  );
  const signer = { cert: callManager.cert, key: callManager.key };
  const itl = unwrap(
    buildTrustList({
      kind: 'ITL',
      signer,
      timestamp: TIMESTAMP,
      records: [
        recordFromCertificate(recovery.cert, Role.SAST),
        recordFromCertificate(callManager.cert, Role.CCM_TFTP),
        recordFromCertificate(capf.cert, Role.CAPF),
        recordFromCertificate(tvs.cert, Role.TVS, { certHash: 'sha1' }),
      ],
    }),
  );
  const ctl = unwrap(
    buildTrustList({
      kind: 'CTL',
      signer,
      digest: 'sha512',
      timestamp: TIMESTAMP,
      records: [
        recordFromCertificate(callManager.cert, Role.CCM_TFTP),
        recordFromCertificate(capf.cert, Role.CAPF),
      ],
    }),
  );
  const sipConfig = buildPhoneConfig(
    defaultPhoneConfig({
      protocol: 'SIP',
      callManagers: ['cucm-pub', 'cucm-sub'],
      deviceSecurityMode: 3,
      lines: ['1001'],
    }),
  );
  const sccpConfig = buildPhoneConfig(defaultPhoneConfig({ protocol: 'SCCP', callManagers: ['cucm-pub'] }));
  const sgn = unwrap(
    buildSgn({ signer, payload: sipConfig, filename: signedConfigFilename(MAC), timestamp: TIMESTAMP }),
  ).bytes;
  const encSgn = unwrap(
    buildEncSgn({
      signer,
      deviceCert: lsc.cert,
      xml: sipConfig,
      filename: encryptedConfigFilename(MAC),
      timestamp: TIMESTAMP,
      aesKey: Buffer.alloc(16, 0x11),
      iv: Buffer.alloc(16, 0x22),
    }),
  ).bytes;
  const xmlDefault = buildXmlDefault({
    callManagers: [{ priority: 0, ports: DEFAULT_PORTS, processNodeName: 'cucm-pub' }],
    tvs: [{ priority: 0, port: 2445, address: 'cucm-pub' }],
    loads: [{ modelId: 36670, model: 'Cisco 8861', load: 'sip88xx.14-2-1-0001-14' }],
    urls: { servicesURL: 'http://cucm-pub:8080/ccmcip/getservicesmenu.jsp' },
  });
  const chain = [lsc.cert, capf.cert];
  return {
    callManager,
    lsc,
    itl: Buffer.from(itl),
    ctl: Buffer.from(ctl),
    sgn: Buffer.from(sgn),
    encSgn: Buffer.from(encSgn),
    configXml: Buffer.from(sipConfig),
    sccpConfigXml: Buffer.from(sccpConfig),
    xmlDefault: Buffer.from(xmlDefault),
    certDers: [callManager.cert, lsc.cert, lscEc.cert, capf.cert].map((c) => Buffer.from(c.raw)),
    certPem: Buffer.from(certToPem(callManager.cert)),
    bundlePem: Buffer.from(joinPemBundle(chain)),
    pkcs7Der: Buffer.from(pkcs7Der(chain)),
    pkcs7Pem: Buffer.from(pkcs7Pem(chain)),
  };
}

// Loaded once by `seeds()` before any `parse`: the parsers that verify or decrypt need the keys.
let lab: LabFiles | undefined;
const loaded = async (pick: (f: LabFiles) => Buffer[]) => {
  lab = await labFiles();
  return pick(lab);
};

const XML_TOKENS = [
  '<',
  '>',
  '</',
  '/>',
  '"',
  "'",
  '&amp;',
  '&#x41;',
  '&bogus;',
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>',
  '<?xml version="1.0"?>',
  '<device>',
  '</device>',
  '<callManager>',
  '<ports>',
  '<ethernetPhonePort>',
  '99999999999999999999',
  '-1',
  '<deviceSecurityMode>',
  ' xsi:type="axl:XIPPhone"',
];

const TLV_TOKENS = ['\x01\x00\x02', '\x04\x00\x00', '\xff\xff', '\x00\x00', '\x30\x82\xff\xff'];

const PEM_TOKENS = [
  '-----BEGIN CERTIFICATE-----\n',
  '-----END CERTIFICATE-----\n',
  '-----BEGIN PKCS7-----\n',
  '-----END PKCS7-----\n',
  '-----BEGIN ',
  '-----END ',
  '\r\n',
  '=',
  'MII',
];

const trustList: FuzzTarget = {
  name: 'trust-list',
  description:
    'CTL/ITL files (parseTrustList, then verifyTrustList against its own records, as a phone does)',
  maxLength: 64 * 1024,
  tokens: TLV_TOKENS,
  seeds: () => loaded((f) => [f.itl, f.ctl]),
  parse: (b) => {
    const list = parseTrustList(b);
    if (!list.ok) return list;
    const v = verifyTrustList(list.value);
    return v.ok ? list : v;
  },
};

const sgn: FuzzTarget = {
  name: 'sgn',
  description: '.sgn files (parseSgn, then openSgn with the CallManager certificate)',
  maxLength: 64 * 1024,
  tokens: TLV_TOKENS,
  seeds: () => loaded((f) => [f.sgn]),
  parse: (b) => {
    const p = parseSgn(b);
    if (!p.ok || !lab) return p;
    return openSgn(b, lab.callManager.cert);
  },
};

const encSgn: FuzzTarget = {
  name: 'enc-sgn',
  description: '.enc.sgn files (parseEncSgn, then decryptEncSgn with the phone key)',
  maxLength: 64 * 1024,
  tokens: TLV_TOKENS,
  seeds: () => loaded((f) => [f.encSgn]),
  parse: (b) => {
    const p = parseEncSgn(b);
    if (!p.ok || !lab) return p;
    return decryptEncSgn(p.value, lab.lsc.key);
  },
};

const phoneConfig: FuzzTarget = {
  name: 'phone-config',
  description: 'phone config XML (parsePhoneConfig)',
  maxLength: 64 * 1024,
  tokens: XML_TOKENS,
  seeds: () => loaded((f) => [f.configXml, f.sccpConfigXml]),
  parse: (b) => parsePhoneConfig(b),
};

const xmlDefault: FuzzTarget = {
  name: 'xml-default',
  description: 'XmlDefault.cnf.xml (parseXmlDefault)',
  maxLength: 64 * 1024,
  tokens: XML_TOKENS,
  seeds: () => loaded((f) => [f.xmlDefault]),
  parse: (b) => parseXmlDefault(b),
};

const pem: FuzzTarget = {
  name: 'pem',
  description: 'PEM text (parsePemBlocks, then the DER reader on each CERTIFICATE block)',
  maxLength: 64 * 1024,
  tokens: PEM_TOKENS,
  seeds: () => loaded((f) => [f.certPem, f.bundlePem, f.pkcs7Pem]),
  parse: (b) => {
    for (const block of parsePemBlocks(b.toString('latin1'))) {
      if (block.label !== 'CERTIFICATE') continue;
      const r = certificateFields(block.der);
      if (!r.ok) return r;
    }
    return { ok: true };
  },
};

const certificate: FuzzTarget = {
  name: 'certificate',
  description: 'certificate DER (certificateFields, then describeCertificate)',
  maxLength: 16 * 1024,
  tokens: TLV_TOKENS,
  seeds: () => loaded((f) => f.certDers),
  parse: (b) => {
    const r = certificateFields(b);
    if (!r.ok) return r;
    return describeCertificate(b);
  },
};

const pkcs7: FuzzTarget = {
  name: 'pkcs7',
  description: 'PKCS#7 DER (pkcs7Certificates)',
  maxLength: 16 * 1024,
  tokens: TLV_TOKENS,
  seeds: () => loaded((f) => [f.pkcs7Der]),
  parse: (b) => pkcs7Certificates(b),
};

const inspect: FuzzTarget = {
  name: 'inspect',
  description: '`uclab inspect` on any file (inspectFile: detection, then every format above)',
  maxLength: 64 * 1024,
  tokens: [...TLV_TOKENS, ...PEM_TOKENS],
  seeds: () =>
    loaded((f) => [
      f.itl,
      f.ctl,
      f.sgn,
      f.encSgn,
      f.certDers[0]!,
      f.certDers[2]!,
      f.certPem,
      f.pkcs7Der,
      f.pkcs7Pem,
    ]),
  parse: (b) => inspectFile(b),
};

export const CERTS_TARGETS: readonly FuzzTarget[] = [
  trustList,
  sgn,
  encSgn,
  phoneConfig,
  xmlDefault,
  pem,
  certificate,
  pkcs7,
  inspect,
];
