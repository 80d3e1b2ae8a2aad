/**
 * `SEP<MAC>.cnf.xml` (SIP and SCCP) and `XmlDefault.cnf.xml`: typed model, builder and parser
 * (docs/reference/config-files.md §2). The builder writes elements in the order of a CUCM 12.5 SIP config; the SCCP
 * file is the same skeleton without `<sipProfile>` (docs/reference/README.md §4: community samples only).
 * `build(parse(build(m)))` is byte-identical and `parse(build(m))` equals `m`.
 *
 * CUCM writes `xsi:type` on `<device>` without declaring the `xsi` prefix; so do we.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { err, ok, type Result, type UclabError } from '../emulator/result.ts';
import { xmlEscape } from '../emulator/text.ts';

export type DeviceProtocol = 'SIP' | 'SCCP';

/** 1 Non-secure, 2 Authenticated, 3 Encrypted. */
export type DeviceSecurityMode = 1 | 2 | 3;

/** 0 none pending, 1 auth string, 2 null string, 3 existing cert (LSC first), 4 existing cert (MIC). */
export type CapfAuthMode = 0 | 1 | 2 | 3 | 4;

export interface CallManagerPorts {
  /** SCCP (the phone uses 2443 for TLS). */
  readonly ethernetPhonePort: number;
  readonly sipPort: number;
  readonly securedSipPort: number;
  readonly mgcpListen?: number;
  readonly mgcpKeepAlive?: number;
}

export interface CallManagerMember {
  readonly priority: number;
  readonly ports: CallManagerPorts;
  readonly processNodeName: string;
}

export interface TvsMember {
  readonly priority: number;
  readonly port: number;
  readonly address: string;
}

export interface CapfEntry {
  readonly phonePort: number;
  readonly processNodeName: string;
}

export interface SipLine {
  readonly button: number;
  readonly lineIndex: number;
  readonly featureId: number;
  readonly featureLabel: string;
  readonly proxy: string;
  readonly port: number;
  readonly name: string;
  readonly displayName: string;
  readonly contact: string;
  readonly authName: string;
  readonly authPassword: string;
}

export interface SipProfile {
  readonly registerWithProxy: boolean;
  readonly timerRegisterExpires: number;
  readonly timerKeepAliveExpires: number;
  readonly lines: readonly SipLine[];
  readonly voipControlPort: number;
}

export interface PhoneUrls {
  readonly authenticationURL?: string;
  readonly directoryURL?: string;
  readonly idleURL?: string;
  readonly informationURL?: string;
  readonly messagesURL?: string;
  readonly proxyServerURL?: string;
  readonly servicesURL?: string;
  readonly secureAuthenticationURL?: string;
  readonly secureDirectoryURL?: string;
  readonly secureIdleURL?: string;
  readonly secureInformationURL?: string;
  readonly secureMessagesURL?: string;
  readonly secureServicesURL?: string;
}

const URL_KEYS = [
  'authenticationURL',
  'directoryURL',
  'idleURL',
  'informationURL',
  'messagesURL',
  'proxyServerURL',
  'servicesURL',
  'secureAuthenticationURL',
  'secureDirectoryURL',
  'secureIdleURL',
  'secureInformationURL',
  'secureMessagesURL',
  'secureServicesURL',
] as const;

export interface PhoneConfig {
  /** `axl:XIPPhone` as CUCM writes it. */
  readonly xsiType: string;
  readonly ctiid?: string;
  readonly uuid?: string;
  readonly fullConfig: boolean;
  readonly deviceProtocol: DeviceProtocol;
  readonly ipAddressMode?: number;
  readonly devicePoolName?: string;
  /** Up to 5, lowest priority number first. */
  readonly callManagers: readonly CallManagerMember[];
  /** Up to 3 TVS servers, port 2445. */
  readonly tvs: readonly TvsMember[];
  readonly sipProfile?: SipProfile;
  readonly loadInformation: string;
  readonly inactiveLoadInformation?: string;
  readonly deviceSecurityMode: DeviceSecurityMode;
  /** SIP: 1 TCP, 2 UDP, 3 TLS, 4 (CUCM default, believed TCP+UDP). */
  readonly transportLayerProtocol?: number;
  readonly tlsResumptionTimer?: number;
  readonly capfAuthMode: CapfAuthMode;
  readonly capfList: readonly CapfEntry[];
  /** Empty normally; hex MD5 of the device cert in the stub of an encrypted config. */
  readonly certHash: string;
  readonly encrConfig: boolean;
  readonly phoneServicesUseHttps?: boolean;
  readonly urls: PhoneUrls;
  readonly versionStamp?: string;
}

export const DEFAULT_PORTS: CallManagerPorts = {
  ethernetPhonePort: 2000,
  sipPort: 5060,
  securedSipPort: 5061,
};
export const TVS_PORT = 2445;
export const CAPF_PORT = 3804;

// ---------------------------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------------------------

class Writer {
  readonly lines: string[] = [];
  private depth = 0;
  open(tag: string, attrs = ''): void {
    this.lines.push(`${'  '.repeat(this.depth)}<${tag}${attrs}>`);
    this.depth++;
  }
  close(tag: string): void {
    this.depth--;
    this.lines.push(`${'  '.repeat(this.depth)}</${tag}>`);
  }
  leaf(tag: string, value: string | number | boolean | undefined): void {
    if (value === undefined) return;
    this.lines.push(`${'  '.repeat(this.depth)}<${tag}>${xmlEscape(String(value))}</${tag}>`);
  }
}

function writeCallManagerGroup(w: Writer, members: readonly CallManagerMember[]): void {
  w.open('callManagerGroup');
  w.open('members');
  for (const m of [...members].sort((a, b) => a.priority - b.priority)) {
    w.open('member', ` priority="${m.priority}"`);
    w.open('callManager');
    w.open('ports');
    w.leaf('ethernetPhonePort', m.ports.ethernetPhonePort);
    w.leaf('sipPort', m.ports.sipPort);
    w.leaf('securedSipPort', m.ports.securedSipPort);
    if (m.ports.mgcpListen !== undefined || m.ports.mgcpKeepAlive !== undefined) {
      w.open('mgcpPorts');
      w.leaf('listen', m.ports.mgcpListen);
      w.leaf('keepAlive', m.ports.mgcpKeepAlive);
      w.close('mgcpPorts');
    }
    w.close('ports');
    w.leaf('processNodeName', m.processNodeName);
    w.close('callManager');
    w.close('member');
  }
  w.close('members');
  w.close('callManagerGroup');
}

function writeTvs(w: Writer, tvs: readonly TvsMember[]): void {
  if (tvs.length === 0) return;
  w.open('TVS');
  w.open('members');
  for (const t of [...tvs].sort((a, b) => a.priority - b.priority)) {
    w.open('member', ` priority="${t.priority}"`);
    w.leaf('port', t.port);
    w.leaf('address', t.address);
    w.close('member');
  }
  w.close('members');
  w.close('TVS');
}

/** Serialises a phone config as CUCM lays it out. */
export function buildPhoneConfig(c: PhoneConfig): string {
  const w = new Writer();
  let attrs = ` xsi:type="${xmlEscape(c.xsiType)}"`;
  if (c.ctiid !== undefined) attrs += ` ctiid="${xmlEscape(c.ctiid)}"`;
  if (c.uuid !== undefined) attrs += ` uuid="${xmlEscape(c.uuid)}"`;
  w.open('device', attrs);
  w.leaf('fullConfig', c.fullConfig);
  w.leaf('deviceProtocol', c.deviceProtocol);
  w.leaf('ipAddressMode', c.ipAddressMode);
  w.open('devicePool');
  w.leaf('name', c.devicePoolName);
  writeCallManagerGroup(w, c.callManagers);
  w.close('devicePool');
  writeTvs(w, c.tvs);
  if (c.sipProfile) {
    const s = c.sipProfile;
    w.open('sipProfile');
    w.open('sipProxies');
    w.leaf('registerWithProxy', s.registerWithProxy);
    w.close('sipProxies');
    w.open('sipStack');
    w.leaf('timerRegisterExpires', s.timerRegisterExpires);
    w.leaf('timerKeepAliveExpires', s.timerKeepAliveExpires);
    w.close('sipStack');
    w.open('sipLines');
    for (const l of s.lines) {
      w.open('line', ` button="${l.button}" lineIndex="${l.lineIndex}"`);
      w.leaf('featureID', l.featureId);
      w.leaf('featureLabel', l.featureLabel);
      w.leaf('proxy', l.proxy);
      w.leaf('port', l.port);
      w.leaf('name', l.name);
      w.leaf('displayName', l.displayName);
      w.leaf('contact', l.contact);
      w.leaf('authName', l.authName);
      w.leaf('authPassword', l.authPassword);
      w.close('line');
    }
    w.close('sipLines');
    w.leaf('voipControlPort', s.voipControlPort);
    w.close('sipProfile');
  }
  w.leaf('loadInformation', c.loadInformation);
  w.leaf('inactiveLoadInformation', c.inactiveLoadInformation);
  w.leaf('deviceSecurityMode', c.deviceSecurityMode);
  w.leaf('transportLayerProtocol', c.transportLayerProtocol);
  w.leaf('TLSResumptionTimer', c.tlsResumptionTimer);
  w.leaf('capfAuthMode', c.capfAuthMode);
  w.open('capfList');
  for (const cap of c.capfList) {
    w.open('capf');
    w.leaf('phonePort', cap.phonePort);
    w.leaf('processNodeName', cap.processNodeName);
    w.close('capf');
  }
  w.close('capfList');
  w.leaf('certHash', c.certHash);
  w.leaf('encrConfig', c.encrConfig);
  if (c.phoneServicesUseHttps !== undefined) {
    w.lines.push(`  <phoneServices useHTTPS="${c.phoneServicesUseHttps}"></phoneServices>`);
  }
  for (const k of URL_KEYS) w.leaf(k, c.urls[k]);
  w.leaf('versionStamp', c.versionStamp);
  w.close('device');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${w.lines.join('\n')}\n`;
}

export interface XmlDefaultLoad {
  /** The numeric model id in the element name, e.g. 30008 in `<loadInformation30008>`. */
  readonly modelId: number;
  readonly model: string;
  readonly load: string;
}

export interface XmlDefaultConfig {
  readonly callManagers: readonly CallManagerMember[];
  readonly tvs: readonly TvsMember[];
  readonly loads: readonly XmlDefaultLoad[];
  readonly urls: PhoneUrls;
}

/** `XmlDefault.cnf.xml`, fetched by unknown / auto-registering phones (docs/reference/config-files.md §1). */
export function buildXmlDefault(c: XmlDefaultConfig): string {
  const w = new Writer();
  w.open('Default');
  writeCallManagerGroup(w, c.callManagers);
  writeTvs(w, c.tvs);
  for (const l of c.loads) {
    w.lines.push(
      `  <loadInformation${l.modelId} model="${xmlEscape(l.model)}">${xmlEscape(l.load)}</loadInformation${l.modelId}>`,
    );
  }
  for (const k of URL_KEYS) w.leaf(k, c.urls[k]);
  w.close('Default');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${w.lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

export interface PhoneConfigError extends UclabError {
  /** 1-based, when the XML itself is malformed. */
  readonly line?: number;
  readonly column?: number;
}

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ['member', 'capf', 'line'].includes(name),
});

const node = (v: unknown): Node => (v && typeof v === 'object' ? (v as Node) : {});
const text = (v: unknown): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') {
    const t = (v as Node)['#text'];
    return t === undefined ? '' : String(t);
  }
  return String(v);
};
const num = (v: unknown): number | undefined => {
  const t = text(v);
  return t === undefined || t === '' ? undefined : Number(t);
};
const bool = (v: unknown): boolean | undefined => {
  const t = text(v);
  return t === undefined || t === '' ? undefined : t.toLowerCase() === 'true';
};
const list = (v: unknown): Node[] => (Array.isArray(v) ? v.map(node) : v === undefined ? [] : [node(v)]);
const opt = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } =>
  (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };

/** Parses `xml` and returns its root element `<root>`; any other root is the error `code`. */
function parseRoot(
  input: string | Uint8Array,
  what: string,
  root: string,
  code: string,
): Result<Node, PhoneConfigError> {
  const doc = parseXml(typeof input === 'string' ? input : new TextDecoder().decode(input), what);
  if (!doc.ok) return doc;
  if (!doc.value[root]) return err({ code, message: `${what}: the root element is not <${root}>` });
  return ok(node(doc.value[root]));
}

function parseXml(xml: string, what: string): Result<Node, PhoneConfigError> {
  const v = XMLValidator.validate(xml);
  if (v !== true) {
    return err({
      code: 'phone-config.invalid-xml',
      message: `${what}: ${v.err.msg} (line ${v.err.line}, column ${v.err.col})`,
      line: v.err.line,
      column: v.err.col,
    });
  }
  try {
    return ok(node(parser.parse(xml)));
  } catch (e) {
    return err({ code: 'phone-config.invalid-xml', message: `${what}: ${(e as Error).message}` });
  }
}

function parseCallManagers(group: unknown): CallManagerMember[] {
  return list(node(node(group).members).member).map((m) => {
    const cm = node(m.callManager);
    const ports = node(cm.ports);
    const mgcp = node(ports.mgcpPorts);
    return {
      priority: num(m['@_priority']) ?? 0,
      ports: {
        ethernetPhonePort: num(ports.ethernetPhonePort) ?? DEFAULT_PORTS.ethernetPhonePort,
        sipPort: num(ports.sipPort) ?? DEFAULT_PORTS.sipPort,
        securedSipPort: num(ports.securedSipPort) ?? DEFAULT_PORTS.securedSipPort,
        ...opt('mgcpListen', num(mgcp.listen)),
        ...opt('mgcpKeepAlive', num(mgcp.keepAlive)),
      },
      processNodeName: text(cm.processNodeName) ?? '',
    };
  });
}

function parseTvs(tvs: unknown): TvsMember[] {
  return list(node(node(tvs).members).member).map((m) => ({
    priority: num(m['@_priority']) ?? 0,
    port: num(m.port) ?? TVS_PORT,
    address: text(m.address) ?? '',
  }));
}

function parseUrls(d: Node): PhoneUrls {
  const out: Record<string, string> = {};
  for (const k of URL_KEYS) {
    const t = text(d[k]);
    if (t !== undefined) out[k] = t;
  }
  return out;
}

/** Parses `SEP<MAC>.cnf.xml`; malformed XML gives `phone-config.invalid-xml` with line and column. */
export function parsePhoneConfig(xml: string | Uint8Array): Result<PhoneConfig, PhoneConfigError> {
  const root = parseRoot(xml, 'phone config', 'device', 'phone-config.not-a-device');
  if (!root.ok) return root;
  const d = root.value;
  const protocol = text(d.deviceProtocol) === 'SCCP' ? 'SCCP' : 'SIP';
  const sp = d.sipProfile === undefined ? undefined : node(d.sipProfile);
  const sipProfile: SipProfile | undefined = sp && {
    registerWithProxy: bool(node(sp.sipProxies).registerWithProxy) ?? true,
    timerRegisterExpires: num(node(sp.sipStack).timerRegisterExpires) ?? 3600,
    timerKeepAliveExpires: num(node(sp.sipStack).timerKeepAliveExpires) ?? 120,
    lines: list(node(sp.sipLines).line).map((l) => ({
      button: num(l['@_button']) ?? 1,
      lineIndex: num(l['@_lineIndex']) ?? 1,
      featureId: num(l.featureID) ?? 9,
      featureLabel: text(l.featureLabel) ?? '',
      proxy: text(l.proxy) ?? 'USECALLMANAGER',
      port: num(l.port) ?? 5060,
      name: text(l.name) ?? '',
      displayName: text(l.displayName) ?? '',
      contact: text(l.contact) ?? '',
      authName: text(l.authName) ?? '',
      authPassword: text(l.authPassword) ?? '',
    })),
    voipControlPort: num(sp.voipControlPort) ?? 5060,
  };
  const mode = num(d.deviceSecurityMode) ?? 1;
  const phoneServices = d.phoneServices === undefined ? undefined : node(d.phoneServices);
  return ok({
    xsiType: text(d['@_xsi:type']) ?? 'axl:XIPPhone',
    ...opt('ctiid', text(d['@_ctiid'])),
    ...opt('uuid', text(d['@_uuid'])),
    fullConfig: bool(d.fullConfig) ?? true,
    deviceProtocol: protocol,
    ...opt('ipAddressMode', num(d.ipAddressMode)),
    ...opt('devicePoolName', text(node(d.devicePool).name)),
    callManagers: parseCallManagers(node(d.devicePool).callManagerGroup),
    tvs: parseTvs(d.TVS),
    ...opt('sipProfile', sipProfile),
    loadInformation: text(d.loadInformation) ?? '',
    ...opt('inactiveLoadInformation', text(d.inactiveLoadInformation)),
    deviceSecurityMode: (mode === 2 || mode === 3 ? mode : 1) as DeviceSecurityMode,
    ...opt('transportLayerProtocol', num(d.transportLayerProtocol)),
    ...opt('tlsResumptionTimer', num(d.TLSResumptionTimer)),
    capfAuthMode: (num(d.capfAuthMode) ?? 0) as CapfAuthMode,
    capfList: list(node(d.capfList).capf).map((c) => ({
      phonePort: num(c.phonePort) ?? CAPF_PORT,
      processNodeName: text(c.processNodeName) ?? '',
    })),
    certHash: text(d.certHash) ?? '',
    encrConfig: bool(d.encrConfig) ?? false,
    ...opt('phoneServicesUseHttps', phoneServices ? bool(phoneServices['@_useHTTPS']) : undefined),
    urls: parseUrls(d),
    ...opt('versionStamp', text(d.versionStamp)),
  });
}

/** Parses `XmlDefault.cnf.xml`. */
export function parseXmlDefault(xml: string | Uint8Array): Result<XmlDefaultConfig, PhoneConfigError> {
  const root = parseRoot(xml, 'XmlDefault.cnf.xml', 'Default', 'phone-config.not-a-default');
  if (!root.ok) return root;
  const d = root.value;
  const loads: XmlDefaultLoad[] = [];
  for (const [k, v] of Object.entries(d)) {
    const m = /^loadInformation(\d+)$/.exec(k);
    if (!m) continue;
    for (const item of Array.isArray(v) ? v : [v]) {
      loads.push({ modelId: Number(m[1]), model: text(node(item)['@_model']) ?? '', load: text(item) ?? '' });
    }
  }
  return ok({
    callManagers: parseCallManagers(d.callManagerGroup),
    tvs: parseTvs(d.TVS),
    loads,
    urls: parseUrls(d),
  });
}

export interface PhoneConfigInput {
  readonly protocol: DeviceProtocol;
  /** CUCM node names, in priority order. */
  readonly callManagers: readonly string[];
  readonly tvs?: readonly string[];
  readonly deviceSecurityMode?: DeviceSecurityMode;
  readonly capfAuthMode?: CapfAuthMode;
  readonly capfNode?: string;
  readonly loadInformation?: string;
  /** SIP lines: directory numbers. */
  readonly lines?: readonly string[];
  readonly httpsServer?: string;
}

/** A CUCM-like config with sensible defaults (scenario convenience). */
export function defaultPhoneConfig(i: PhoneConfigInput): PhoneConfig {
  const mode = i.deviceSecurityMode ?? 1;
  const web = i.httpsServer ?? i.callManagers[0] ?? 'cucm';
  return {
    xsiType: 'axl:XIPPhone',
    fullConfig: true,
    deviceProtocol: i.protocol,
    devicePoolName: 'Default',
    callManagers: i.callManagers.map((n, priority) => ({
      priority,
      ports: DEFAULT_PORTS,
      processNodeName: n,
    })),
    tvs: (i.tvs ?? i.callManagers.slice(0, 3)).map((address, priority) => ({
      priority,
      port: TVS_PORT,
      address,
    })),
    ...(i.protocol === 'SIP'
      ? {
          sipProfile: {
            registerWithProxy: true,
            timerRegisterExpires: 3600,
            timerKeepAliveExpires: 120,
            lines: (i.lines ?? []).map((dn, idx) => ({
              button: idx + 1,
              lineIndex: idx + 1,
              featureId: 9,
              featureLabel: dn,
              proxy: 'USECALLMANAGER',
              port: mode === 1 ? 5060 : 5061,
              name: dn,
              displayName: dn,
              contact: dn,
              authName: '',
              authPassword: '',
            })),
            voipControlPort: 5060,
          },
          transportLayerProtocol: mode === 1 ? 4 : 3,
        }
      : {}),
    loadInformation: i.loadInformation ?? '',
    deviceSecurityMode: mode,
    tlsResumptionTimer: 3600,
    capfAuthMode: i.capfAuthMode ?? 0,
    capfList: [
      {
        phonePort: CAPF_PORT,
        processNodeName: i.capfAuthMode ? (i.capfNode ?? i.callManagers[0] ?? '') : '',
      },
    ],
    certHash: '',
    encrConfig: false,
    phoneServicesUseHttps: true,
    urls: {
      secureAuthenticationURL: `https://${web}:8443/ccmcip/authenticate.jsp`,
      secureDirectoryURL: `https://${web}:8443/ccmcip/xmldirectory.jsp`,
      secureServicesURL: `https://${web}:8443/ccmcip/getservicesmenu.jsp`,
    },
  };
}
