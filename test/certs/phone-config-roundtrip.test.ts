import { describe, expect, it } from 'vitest';
import {
  buildPhoneConfig,
  buildXmlDefault,
  defaultPhoneConfig,
  type PhoneConfig,
  parsePhoneConfig,
  parseXmlDefault,
} from '../../certs/phone-config.ts';
import { unwrap } from '../../emulator/result.ts';

const sip: PhoneConfig = {
  ...defaultPhoneConfig({
    protocol: 'SIP',
    callManagers: ['cucm-pub', 'cucm-sub1'],
    deviceSecurityMode: 3,
    capfAuthMode: 1,
    lines: ['1001', '1002'],
    loadInformation: 'sip78xx.12-5-1SR2-2',
  }),
  ctiid: '94',
  uuid: '{5a6b7c8d-0000-1111-2222-333344445555}',
  ipAddressMode: 0,
  inactiveLoadInformation: '',
  versionStamp: '1555108264-18843a73-f9e1-4d1c-a0fb-1e3bd30c46d7',
};

describe('phone config XML', () => {
  it('a SIP config round trips to the same model and the same bytes', () => {
    const xml = buildPhoneConfig(sip);
    const parsed = unwrap(parsePhoneConfig(xml));
    expect(parsed).toEqual(sip);
    expect(buildPhoneConfig(parsed)).toBe(xml);
  });

  it('an SCCP config has no sipProfile and keeps ethernetPhonePort 2000', () => {
    const sccp = defaultPhoneConfig({ protocol: 'SCCP', callManagers: ['cucm-pub'], deviceSecurityMode: 2 });
    const xml = buildPhoneConfig(sccp);
    expect(xml).toContain('<deviceProtocol>SCCP</deviceProtocol>');
    expect(xml).not.toContain('<sipProfile>');
    expect(xml).toContain('<ethernetPhonePort>2000</ethernetPhonePort>');
    expect(unwrap(parsePhoneConfig(xml))).toEqual(sccp);
  });

  it('writes the security elements CUCM writes', () => {
    const xml = buildPhoneConfig(sip);
    for (const line of [
      '<device xsi:type="axl:XIPPhone" ctiid="94" uuid="{5a6b7c8d-0000-1111-2222-333344445555}">',
      '<member priority="0">',
      '<sipPort>5060</sipPort>',
      '<securedSipPort>5061</securedSipPort>',
      '<processNodeName>cucm-pub</processNodeName>',
      '<port>2445</port>',
      '<address>cucm-pub</address>',
      '<deviceSecurityMode>3</deviceSecurityMode>',
      '<transportLayerProtocol>3</transportLayerProtocol>',
      '<capfAuthMode>1</capfAuthMode>',
      '<phonePort>3804</phonePort>',
      '<certHash></certHash>',
      '<encrConfig>false</encrConfig>',
      '<line button="1" lineIndex="1">',
      '<proxy>USECALLMANAGER</proxy>',
      '<secureAuthenticationURL>https://cucm-pub:8443/ccmcip/authenticate.jsp</secureAuthenticationURL>',
    ]) {
      expect(xml).toContain(line);
    }
  });

  it('members are written lowest priority number first', () => {
    const xml = buildPhoneConfig({
      ...sip,
      callManagers: [...sip.callManagers].reverse(),
    });
    expect(xml.indexOf('cucm-pub</processNodeName>')).toBeLessThan(
      xml.indexOf('cucm-sub1</processNodeName>'),
    );
  });

  it('XmlDefault.cnf.xml round trips', () => {
    const d = {
      callManagers: sip.callManagers,
      tvs: sip.tvs,
      loads: [{ modelId: 30008, model: 'Cisco 7902', load: 'CP7902080002SCCP060817A' }],
      urls: {},
    };
    const xml = buildXmlDefault(d);
    expect(xml).toContain(
      '<loadInformation30008 model="Cisco 7902">CP7902080002SCCP060817A</loadInformation30008>',
    );
    expect(unwrap(parseXmlDefault(xml))).toEqual(d);
  });

  it('invalid XML is a typed error with line and column', () => {
    const r = parsePhoneConfig('<?xml version="1.0"?>\n<device>\n  <fullConfig>true</fullConfg>\n</device>');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('phone-config.invalid-xml');
      expect(r.error.line).toBe(3);
      expect(r.error.column).toBeGreaterThan(0);
    }
  });

  it('a document whose root is not <device> is a typed error', () => {
    const r = parsePhoneConfig('<Default></Default>');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('phone-config.not-a-device');
  });

  it('special characters survive a round trip', () => {
    const c = { ...sip, devicePoolName: 'R&D <lab> "A"' };
    expect(unwrap(parsePhoneConfig(buildPhoneConfig(c)))).toEqual(c);
  });
});
