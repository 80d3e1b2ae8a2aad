/**
 * What a CUCM TFTP node generates: ITLFile.tlv, CTLFile.tlv, SEP<MAC>.cnf.xml[.sgn|.enc.sgn] and
 * XmlDefault.cnf.xml. Pure builders over the cluster database; node.ts caches the bytes per change.
 *
 * Contents (docs/reference/trust-files.md §1.6):
 * - ITL: ITLRecovery (SAST; the signer from 12.0), the node's CallManager (SAST too when it signs, i.e.
 *   before 12.0), the node's CallManager as TFTP (CCM+TFTP in mixed mode), the publisher's CAPF (4),
 *   the TVS certificate of every node (21). Every TFTP node serves its own ITL.
 * - CTL (mixed mode only): SAST (eTokens; tokenless: publisher CallManager + ITLRecovery), CCM+TFTP of
 *   every node with its address (legacy 79xx check the TFTP address against it, seed 002), CAPF, the
 *   publisher's ITLRecovery (SAST; with eTokens too), the alternate TFTP servers the admin added (TFTP,
 *   or CCM+TFTP). TVS is never in the CTL.
 */
import { createHash, type X509Certificate } from 'node:crypto';
import { buildTrustList, Role, recordFromCertificate, type TrustRecord } from '../../certs/ctl.ts';
import { buildEncryptedConfigStub, buildEncSgn, encryptedConfigFilename } from '../../certs/enc-sgn.ts';
import {
  buildPhoneConfig,
  buildXmlDefault,
  CAPF_PORT,
  type CapfAuthMode,
  DEFAULT_PORTS,
  type DeviceSecurityMode,
  defaultPhoneConfig,
  TVS_PORT,
} from '../../certs/phone-config.ts';
import { buildSgn, configFilename, signedConfigFilename } from '../../certs/sgn.ts';
import type { SignerInput } from '../../certs/tlv.ts';
import { ownedBytes } from '../../emulator/owned-bytes.ts';
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';
import type { Cluster, NodeInfo, PhoneRecord } from './cluster.ts';
import type { ReleaseBehaviour } from './releases.ts';

export function signerOf(n: NodeInfo, unit: 'CallManager' | 'ITLRecovery'): SignerInput {
  const c = n.certs.own(unit).identity;
  return { cert: c.cert, key: c.key };
}

function nodeRecord(n: NodeInfo, cert: X509Certificate, role: number): TrustRecord {
  return recordFromCertificate(cert, role, { dnsName: n.name, ipAddress: n.address });
}

/** The ITL signer of the cluster: ITLRecovery of the publisher (12.0+) or the node's CallManager. */
export function itlSigner(cluster: Cluster, node: NodeInfo, release: ReleaseBehaviour): SignerInput {
  const pub = cluster.publisherNode() ?? node;
  return release.itlSigner === 'ITLRecovery' ? signerOf(pub, 'ITLRecovery') : signerOf(node, 'CallManager');
}

/** What the ITL lists: each record's node, certificate and role (docs/reference/trust-files.md §1.6). */
export function itlEntries(
  cluster: Cluster,
  node: NodeInfo,
  release: ReleaseBehaviour,
): { node: NodeInfo; cert: X509Certificate; role: number }[] {
  const pub = cluster.publisherNode() ?? node;
  const entries: { node: NodeInfo; cert: X509Certificate; role: number }[] = [
    { node: pub, cert: pub.certs.own('ITLRecovery').identity.cert, role: Role.SAST },
  ];
  const cm = node.certs.own('CallManager').identity.cert;
  if (release.itlSigner === 'CallManager') entries.push({ node, cert: cm, role: Role.SAST });
  entries.push({ node, cert: cm, role: cluster.mixedMode === 'none' ? Role.TFTP : Role.CCM_TFTP });
  entries.push({ node: pub, cert: pub.certs.own('CAPF').identity.cert, role: Role.CAPF });
  for (const n of cluster.nodeList())
    entries.push({ node: n, cert: n.certs.own('TVS').identity.cert, role: Role.TVS });
  return entries;
}

export function itlRecords(cluster: Cluster, node: NodeInfo, release: ReleaseBehaviour): TrustRecord[] {
  return itlEntries(cluster, node, release).map((e) => nodeRecord(e.node, e.cert, e.role));
}

export function buildItl(
  cluster: Cluster,
  node: NodeInfo,
  release: ReleaseBehaviour,
  timestamp: number,
  signer?: SignerInput,
): Result<Buffer, UclabError> {
  const r = buildTrustList({
    kind: 'ITL',
    signer: signer ?? itlSigner(cluster, node, release),
    timestamp,
    records: itlRecords(cluster, node, release),
  });
  return r.ok ? ok(Buffer.from(r.value)) : r;
}

export function buildCtl(
  cluster: Cluster,
  release: ReleaseBehaviour,
  timestamp: number,
): Result<Buffer, UclabError> {
  const pub = cluster.publisherNode();
  if (!pub) return err({ code: 'ctl.no-publisher', message: 'the cluster has no publisher node' });
  const records: TrustRecord[] = [];
  let signer: SignerInput;
  if (cluster.mixedMode === 'etoken') {
    if (cluster.etokens.length < 2) {
      return err({
        code: 'ctl.etokens',
        message: 'At least two Security Tokens (eTokens) are needed to sign the CTL',
      });
    }
    for (const t of cluster.etokens) {
      records.push(
        recordFromCertificate(t.cert, Role.SAST, { dnsName: '', etoken: true, dnStyle: 'etoken' }),
      );
    }
    const token = (cluster.etokens[cluster.ctlSignerToken] ??
      cluster.etokens[0]) as (typeof cluster.etokens)[number];
    signer = { cert: token.cert, key: token.key };
  } else {
    records.push(nodeRecord(pub, pub.certs.own('CallManager').identity.cert, Role.SAST));
    records.push(nodeRecord(pub, pub.certs.own('ITLRecovery').identity.cert, Role.SAST));
    signer =
      release.itlSigner === 'ITLRecovery' ? signerOf(pub, 'ITLRecovery') : signerOf(pub, 'CallManager');
  }
  const itlRecovery = pub.certs.own('ITLRecovery').identity.cert;
  for (const n of cluster.nodeList())
    records.push(nodeRecord(n, n.certs.own('CallManager').identity.cert, Role.CCM_TFTP));
  records.push(nodeRecord(pub, pub.certs.own('CAPF').identity.cert, Role.CAPF));
  // docs/reference/trust-files.md §1.6: the CTL holds the ITLRecovery certificate whatever signs it (tokenless
  // already lists it among its SAST records).
  if (cluster.mixedMode === 'etoken') records.push(nodeRecord(pub, itlRecovery, Role.SAST));
  for (const a of cluster.alternateTftp) {
    records.push(
      recordFromCertificate(a.cert, a.role === 'CCM+TFTP' ? Role.CCM_TFTP : Role.TFTP, {
        dnsName: a.host,
        ipAddress: a.address,
      }),
    );
  }
  const r = buildTrustList({ kind: 'CTL', signer, timestamp, records });
  return r.ok ? ok(Buffer.from(r.value)) : r;
}

const SECURITY_MODE: Record<PhoneRecord['decl']['security'], DeviceSecurityMode> = {
  'non-secure': 1,
  authenticated: 2,
  encrypted: 3,
};

const CAPF_AUTH_MODE: Record<PhoneRecord['capf']['authMode'], CapfAuthMode> = {
  'auth-string': 1,
  'null-string': 2,
  'existing-lsc': 3,
  'existing-mic': 4,
};

export function securityModeOf(p: PhoneRecord): DeviceSecurityMode {
  return SECURITY_MODE[p.decl.security];
}

export function capfAuthModeOf(p: PhoneRecord): CapfAuthMode {
  return p.capf.operation === 'none' ? 0 : CAPF_AUTH_MODE[p.capf.authMode];
}

/** A stable per-line contact UUID (docs/reference/sccp-sip.md §2: the Contact user part). */
function lineContact(mac: string): string {
  const h = createHash('sha1').update(`line:${mac}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The phone's CallManager group: every node, in declaration order; TVS: the first three. */
function phoneConfigXml(cluster: Cluster, p: PhoneRecord): string {
  const nodes = cluster.nodeList();
  const names = nodes.map((n) => n.processNodeName);
  const pub = cluster.publisherNode();
  const mode = securityModeOf(p);
  const base = defaultPhoneConfig({
    protocol: p.decl.protocol,
    callManagers: names,
    tvs: names.slice(0, 3),
    deviceSecurityMode: mode,
    capfAuthMode: capfAuthModeOf(p),
    ...(pub ? { capfNode: pub.processNodeName } : {}),
    lines: p.decl.line ? [p.decl.line] : [],
    ...(pub ? { httpsServer: pub.processNodeName } : {}),
  });
  const mac = p.decl.name.replace(/^SEP/i, '');
  const cfg = {
    ...base,
    ...(base.sipProfile
      ? {
          sipProfile: {
            ...base.sipProfile,
            lines: base.sipProfile.lines.map((l) => ({ ...l, contact: lineContact(mac) })),
          },
        }
      : {}),
  };
  return buildPhoneConfig({ ...cfg, versionStamp: versionStamp(cluster, p, buildPhoneConfig(cfg)) });
}

/**
 * `<versionStamp>` (docs/reference/config-files.md §2.5: `<seconds>-<UUID>`). CUCM stamps a device's
 * config when the device's configuration changes, not when anything else in the cluster does (a
 * trust upload, another phone). Modelled: the seconds are lab start, the UUID a digest of the
 * device's config, so the stamp changes exactly when the config does.
 */
function versionStamp(cluster: Cluster, p: PhoneRecord, unstamped: string): string {
  const h = createHash('sha1').update(`${p.decl.name}\n${unstamped}`).digest('hex');
  const seconds = Math.floor(cluster.pki.labStart.getTime() / 1000);
  return `${seconds}-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function xmlDefault(cluster: Cluster): string {
  const names = cluster.nodeList().map((n) => n.processNodeName);
  return buildXmlDefault({
    callManagers: names.map((processNodeName, priority) => ({
      priority,
      ports: DEFAULT_PORTS,
      processNodeName,
    })),
    tvs: names.slice(0, 3).map((address, priority) => ({ priority, port: TVS_PORT, address })),
    loads: [],
    urls: {},
  });
}

function xmlText(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A Jabber (Client Services Framework) device's `CSF<USER>.cnf.xml`, as the TFTP service builds it for
 * an end user's CSF device: the device name, SIP, and the CallManager group every node forms (plain
 * XML, not signed: CSF devices are non-secure here). Jabber fetches it over 6970/6972 (seed 004).
 */
export function csfConfigXml(cluster: Cluster, deviceName: string, userId: string): string {
  const members = cluster
    .nodeList()
    .map(
      (n, priority) =>
        `<member priority="${priority}"><callManager><name>${xmlText(n.processNodeName)}</name><ports><sipPort>5060</sipPort><securedSipPort>5061</securedSipPort></ports><processNodeName>${xmlText(n.processNodeName)}</processNodeName></callManager></member>`,
    )
    .join('');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<device>',
    '<fullConfig>true</fullConfig>',
    '<deviceProtocol>SIP</deviceProtocol>',
    `<name>${xmlText(deviceName)}</name>`,
    `<devicePool><callManagerGroup><members>${members}</members></callManagerGroup></devicePool>`,
    '<sipProfile><sipProxies><registerWithProxy>true</registerWithProxy></sipProxies></sipProfile>',
    `<userId>${xmlText(userId)}</userId>`,
    '</device>',
    '',
  ].join('\n');
}

export interface PhoneFiles {
  /** Keyed by TFTP file name. */
  files: Map<string, Buffer>;
}

/**
 * The certificate CUCM encrypts a phone's config to (TFTP Encrypted Config): its LSC while the LSC
 * chains to a certificate in CAPF-trust (the CAPF that issued it is still trusted), else the MIC CAPF
 * saw. `stubOnly`: the phone has an LSC on record that no longer chains (CAPF was regenerated and the
 * LSC not reissued yet) and no MIC: CUCM has no certificate it trusts to encrypt to, so it serves only
 * the signed stub, which names the CAPF operation but holds no configuration; the phone cannot read
 * its configuration until it has a new LSC (M: modelled; the stub and its CAPF fields are
 * docs/reference/config-files.md §2.3, trust-files.md §3).
 */
function configRecipient(
  cluster: Cluster,
  p: PhoneRecord,
): { cert: X509Certificate | null; stubOnly: boolean } {
  if (p.lsc) {
    const lsc = p.lsc;
    const issuer = cluster.trust
      .certs('CAPF-trust')
      .find((c) => lsc.checkIssued(c) && lsc.verify(c.publicKey));
    if (issuer) return { cert: lsc, stubOnly: false };
    if (p.mic) return { cert: p.mic, stubOnly: false };
    return { cert: lsc, stubOnly: true };
  }
  return { cert: p.mic, stubOnly: false };
}

/**
 * What one phone's config files are built from on this TFTP node, and `key`: a digest of all of it.
 * The files are signed (and encrypted) anew at every build, with a new timestamp (and a new key and
 * IV), so TFTP keeps the files it built for as long as the key stays the same: the config itself,
 * the CallManager certificate that signs it, the certificate it is encrypted to. A trust upload or a
 * change to another phone leaves a phone's files as they were, bytes and dates.
 */
export interface PhoneFilesInput {
  readonly key: string;
  readonly mac: string;
  readonly xml: string;
  readonly signer: SignerInput;
  readonly recipient: { cert: X509Certificate | null; stubOnly: boolean };
  readonly encrypted: boolean;
  readonly capfAuthMode: CapfAuthMode;
  /** The CAPF the encrypted config's stub names: the publisher while a CAPF operation is pending. */
  readonly capfNode: string;
}

export function phoneFilesInput(cluster: Cluster, node: NodeInfo, p: PhoneRecord): PhoneFilesInput {
  const mac = p.decl.name.replace(/^SEP/i, '');
  const xml = phoneConfigXml(cluster, p);
  const signer = signerOf(node, 'CallManager');
  const recipient = configRecipient(cluster, p);
  const encrypted = p.decl.tftpEncryptedConfig === true;
  const capfAuthMode = capfAuthModeOf(p);
  const capfNode = p.capf.operation === 'none' ? '' : (cluster.publisherNode()?.processNodeName ?? '');
  const key = createHash('sha256')
    .update(xml)
    .update(
      [
        signer.cert.fingerprint256,
        recipient.cert?.fingerprint256 ?? '',
        String(recipient.stubOnly),
        String(encrypted),
        String(capfAuthMode),
        capfNode,
      ].join('|'),
    )
    .digest('base64');
  return { key, mac, xml, signer, recipient, encrypted, capfAuthMode, capfNode };
}

/**
 * The config files of one phone as this TFTP node serves them (docs/reference/config-files.md §1): `.cnf.xml` and
 * `.cnf.xml.sgn`; with TFTP Encrypted Config, `.cnf.xml.enc.sgn` (encrypted to the certificate
 * `configRecipient` names) plus the signed stub `.cnf.xml.sgn`, and no plain `.cnf.xml`; only the
 * stub when CUCM trusts no certificate of the phone to encrypt to.
 */
export function buildPhoneFiles(input: PhoneFilesInput, timestamp: number): Result<PhoneFiles, UclabError> {
  const { mac, signer, xml } = input;
  const files = new Map<string, Buffer>();
  const encryptTo = input.recipient.cert;
  if (input.encrypted) {
    if (encryptTo) {
      if (!input.recipient.stubOnly) {
        const enc = buildEncSgn({
          signer,
          deviceCert: encryptTo,
          xml,
          filename: encryptedConfigFilename(mac),
          timestamp,
        });
        if (!enc.ok) return enc;
        files.set(encryptedConfigFilename(mac), Buffer.from(enc.value.bytes));
      }
      const stub = buildEncryptedConfigStub({
        signer,
        mac,
        deviceCert: encryptTo,
        timestamp,
        capfAuthMode: input.capfAuthMode,
        capfList: [{ phonePort: CAPF_PORT, processNodeName: input.capfNode }],
      });
      if (!stub.ok) return stub;
      files.set(signedConfigFilename(mac), Buffer.from(stub.value.bytes));
      return ok({ files });
    }
    // No device certificate yet: CUCM cannot encrypt; it serves the signed config so CAPF can run.
  }
  const sgn = buildSgn({ signer, payload: xml, filename: signedConfigFilename(mac), timestamp });
  if (!sgn.ok) return sgn;
  // The plain config is the signed file's payload, byte for byte: one copy of the XML serves both.
  const signed = ownedBytes(Buffer.from(sgn.value.bytes));
  files.set(configFilename(mac), signed.subarray(sgn.value.headerLength));
  files.set(signedConfigFilename(mac), signed);
  return ok({ files });
}
