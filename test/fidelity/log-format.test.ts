/**
 * Log lines as the products print them: one behaviour per source, with the expected line written out in
 * full; where a seed shows the format, the rendered line (at the seed's own time, with the seed's own
 * values) is found word for word in the seed.
 */
import { describe, expect, it } from 'vitest';
import {
  formatDeviceLog,
  formatLogLine,
  type LogEventLike,
  type LogLineContext,
  modelledPid,
} from '../../emulator/logs/format.ts';
import { itWithSeeds, seedText } from './seed-texts.ts';

function ev(time: string, source: string, text: string, level: LogEventLike['level'] = 'info'): LogEventLike {
  return { time, source, text, level };
}

const CUCM: LogLineContext = { kind: 'cucm', device: 'cucm-pub', address: '192.168.5.17', line: 1 };
const PHONE: LogLineContext = {
  kind: 'phone',
  device: 'SEP0011215A1AE3',
  address: '14.48.44.202',
  line: 837,
};
const EXPC: LogLineContext = { kind: 'expressway-c', device: 'vcsc', address: '10.48.36.46', line: 1 };

const HANDLE_SSL_ERROR =
  'HandleSSLError - TLS protocol error(ssl reason code=block type is not 01 [106]),lib=rsa routines [4],fun=RSA_padding_check_PKCS1_type_1 [112], errno=12 for 192956';

describe('CUCM traces', () => {
  it('prints HandleSSLError as an SDL line with the cluster, node and level tail', () => {
    expect(formatLogLine(ev('2012-07-26T08:43:16.534Z', 'ccm', HANDLE_SSL_ERROR, 'error'), CUCM)).toBe(
      `07/26/2012 08:43:16.534 CCM|${HANDLE_SSL_ERROR}|<CLID::StandAloneCluster><NID::192.168.5.17><CT::0,0,0,0.0><IP::><DEV::><LVL::Error><MASK::0800>`,
    );
  });

  it('prints the other CallManager lines as SDI lines', () => {
    expect(
      formatLogLine(
        ev(
          '2011-09-01T10:38:29.051Z',
          'ccm',
          'StationD: (0000048) TLS Connection Cipher - INFO:deviceName=SEP0011215A1AE3, Cipher=AES128-SHA, Security Mode=3',
        ),
        CUCM,
      ),
    ).toBe(
      '10:38:29.051 |StationD: (0000048) TLS Connection Cipher - INFO:deviceName=SEP0011215A1AE3, Cipher=AES128-SHA, Security Mode=3',
    );
  });

  it('prints TFTP lines as ctftp SDI lines', () => {
    expect(
      formatLogLine(
        ev(
          '2011-09-01T11:08:20.766Z',
          'tftp',
          'TFTPEngine::isReadRequest[0x9950830~188~14.48.44.202~49530], [CTLSEP0011215A1AE3.tlv] opcode(1), Mode(octet), Serving Count(0)',
          'debug',
        ),
        CUCM,
      ),
    ).toBe(
      '11:08:20.766 |TFTPEngine::isReadRequest[0x9950830~188~14.48.44.202~49530], [CTLSEP0011215A1AE3.tlv] opcode(1), Mode(octet), Serving Count(0)',
    );
  });

  it('prints CAPF and TVS lines with the debug trace level, whatever the severity', () => {
    expect(
      formatLogLine(ev('2011-09-01T10:03:08.060Z', 'capf', 'TLS HS Done for ph_conn .', 'debug'), CUCM),
    ).toBe('10:03:08.060 | debug TLS HS Done for ph_conn .');
    expect(
      formatLogLine(
        ev(
          '2015-10-07T16:02:10.765Z',
          'tvs',
          'ERROR:CertificateDBCACHE::getCertificateInformation - Cannot find the certificate in the cache',
          'error',
        ),
        CUCM,
      ),
    ).toBe(
      '16:02:10.765 | debug ERROR:CertificateDBCACHE::getCertificateInformation - Cannot find the certificate in the cache',
    );
  });

  it('prints CLI and certificate monitor lines in the platform log form', () => {
    expect(formatLogLine(ev('2016-02-07T14:51:46.339Z', 'cli', 'op:regenerate', 'info'), CUCM)).toBe(
      '2016-02-07 14:51:46,339 INFO [main] - op:regenerate',
    );
    expect(
      formatLogLine(
        ev('2016-02-07T14:51:46.339Z', 'certmonitor', '%UC_CERT-3-CertValidfor7days: ...', 'error'),
        CUCM,
      ),
    ).toBe('2016-02-07 14:51:46,339 ERROR [main] - %UC_CERT-3-CertValidfor7days: ...');
  });

  it('leaves a Tomcat access-log line as Tomcat wrote it', () => {
    const line = '127.0.0.12 - - [01/Dec/2026:21:19:35 +0000] "GET /cucm-uds/servers HTTP/1.1" 200 112';
    expect(formatLogLine(ev('2026-12-01T21:19:35.000Z', 'tomcat', line), CUCM)).toBe(line);
  });
});

describe('phone lines', () => {
  it('prints a status message with its time', () => {
    expect(formatLogLine(ev('2011-10-04T16:01:16.250Z', 'status', 'Trust List Updated'), PHONE)).toBe(
      '16:01:16 Trust List Updated',
    );
  });

  it('prints a console line with its number, level word and microsecond time', () => {
    expect(
      formatLogLine(
        ev('2011-09-01T09:13:17.561Z', 'console', 'SECD: tlRequestFile: Request CTLSEP0011215A1AE3.tlv'),
        PHONE,
      ),
    ).toBe('837: NOT 09:13:17.561000 SECD: tlRequestFile: Request CTLSEP0011215A1AE3.tlv');
  });

  it('prints an error console line as ERR', () => {
    expect(
      formatLogLine(
        ev(
          '2011-09-01T04:27:43.534Z',
          'console',
          'SECD: EROR:clpSndStatus: ** SEC-ERR: desc <certificate expired>',
          'error',
        ),
        {
          ...PHONE,
          line: 5,
        },
      ),
    ).toBe('5: ERR 04:27:43.534000 SECD: EROR:clpSndStatus: ** SEC-ERR: desc <certificate expired>');
  });

  it('replaces a stamp the phone wrote itself with the lab-time one, keeping its level word', () => {
    expect(
      formatLogLine(
        ev(
          '2011-09-01T09:13:17.925Z',
          'console',
          'WRN 23:59:59.000001 TFTP: [27]:Error code 1: File not found',
        ),
        {
          ...PHONE,
          line: 9,
        },
      ),
    ).toBe('9: WRN 09:13:17.925000 TFTP: [27]:Error code 1: File not found');
  });

  it('numbers console and status lines separately, from 1', () => {
    const lines = formatDeviceLog(
      [
        ev('2011-09-01T09:13:17.561Z', 'console', 'a'),
        ev('2011-09-01T09:13:18.000Z', 'status', 'Trust List Updated'),
        ev('2011-09-01T09:13:18.100Z', 'console', 'b'),
      ],
      { kind: 'phone', device: 'SEP0011215A1AE3', address: '14.48.44.202' },
    );
    expect(lines).toEqual([
      '1: NOT 09:13:17.561000 a',
      '09:13:18 Trust List Updated',
      '2: NOT 09:13:18.100000 b',
    ]);
  });
});

describe('Expressway lines', () => {
  it('prints a traffic server line with its syslog time, host and pid', () => {
    expect(
      formatLogLine(
        ev(
          '2022-07-11T16:55:26.016Z',
          'traffic_server',
          '[ET_NET 0] WARNING: SNI (10.48.36.215) not in certificate.',
        ),
        EXPC,
      ),
    ).toBe(
      `2022-07-11T16:55:26.016+00:00 vcsc traffic_server[${modelledPid('vcsc')}]: [ET_NET 0] WARNING: SNI (10.48.36.215) not in certificate.`,
    );
  });

  it('gives one device one pid and two devices two', () => {
    expect(modelledPid('vcsc')).toBe(modelledPid('vcsc'));
    expect(modelledPid('vcsc')).not.toBe(modelledPid('vcse'));
  });

  it('prints tvcs and management lines with a time to the second', () => {
    expect(
      formatLogLine(
        ev('2014-03-24T17:36:30.872Z', 'tvcs', 'Event="Outbound TLS Negotiation Error"', 'error'),
        EXPC,
      ),
    ).toBe('2014-03-24T17:36:30+00:00 vcsc tvcs: Event="Outbound TLS Negotiation Error"');
    expect(
      formatLogLine(ev('2016-03-15T21:27:33.709Z', 'management', 'UTCTime="2016-03-15 21:27:33,709"'), EXPC),
    ).toBe('2016-03-15T21:27:33+00:00 vcsc management: UTCTime="2016-03-15 21:27:33,709"');
  });

  it('tags an Expressway CLI line cli, not in the CUCM platform form', () => {
    expect(
      formatLogLine(
        ev('2022-07-11T16:00:00.000Z', 'cli', 'xConfiguration EdgeConfigServer VerifyOriginServer: Off'),
        EXPC,
      ),
    ).toBe('2022-07-11T16:00:00+00:00 vcsc cli: xConfiguration EdgeConfigServer VerifyOriginServer: Off');
  });
});

describe('other devices', () => {
  it('prints an SPA syslog line in the RFC 3164 form, day space-padded', () => {
    expect(
      formatLogLine(
        ev('2015-05-02T08:01:02.000Z', 'syslog', 'SPA514G 0011 -- Requesting resync https://x/'),
        {
          kind: 'spa-phone',
          device: 'spa514',
          address: '127.0.0.20',
          line: 1,
        },
      ),
    ).toBe('May  2 08:01:02 spa514 SPA514G 0011 -- Requesting resync https://x/');
  });

  it("leaves Apache's own lines as Apache wrote them", () => {
    const line =
      '[Tue Dec 01 21:19:35.468 2026] [ssl:error] [pid 4242] [client 127.0.0.20:58598] AH02261: Re-negotiation handshake failed: Not accepted by client!?';
    expect(
      formatLogLine(ev('2026-12-01T21:19:35.468Z', 'error_log', line, 'error'), {
        kind: 'provisioning-server',
        device: 'prov',
        address: '127.0.0.21',
        line: 1,
      }),
    ).toBe(line);
  });

  it('prints a source no format knows with its ISO time and source name', () => {
    expect(formatLogLine(ev('2026-12-01T21:19:35.468Z', 'telnet', 'hello'), CUCM)).toBe(
      '2026-12-01T21:19:35.468Z telnet: hello',
    );
  });
});

describe("the formats are the seeds' own", () => {
  itWithSeeds('seed 000 has the SDL line, prefix and tail', () => {
    const line = formatLogLine(ev('2012-07-26T08:43:16.534Z', 'ccm', HANDLE_SSL_ERROR, 'error'), CUCM);
    // The copy wraps inside `<DEV::>` (and repeats `192956|` there); the rest is the seed's, in order.
    const [before, after] = line.split('<DEV::>');
    expect(seedText('000')).toContain(before);
    expect(seedText('000')).toContain(`<DE V::>${after}`);
  });

  itWithSeeds('seed 002 has the SDI, ctftp, CAPF, status and console lines', () => {
    const s = seedText('002');
    expect(s).toContain(
      formatLogLine(
        ev(
          '2011-09-01T10:38:26.621Z',
          'ccm',
          'SdlSSLTCPListener::verify_cb pre-verified=1,cert verification errno=0,depth=0',
          'debug',
        ),
        CUCM,
      ),
    );
    expect(s).toContain(
      formatLogLine(
        ev(
          '2011-09-01T11:08:20.779Z',
          'tftp',
          'TID[a5a4fba0] TFTPEngine::processMessage[0x9950830~188~14.48.44.202~49530], Transferred[CTLFile.tlv] Socket[5]',
        ),
        CUCM,
      ),
    );
    expect(s).toContain(
      formatLogLine(ev('2011-09-01T10:03:21.162Z', 'capf', 'Generated the cert', 'debug'), CUCM),
    );
    expect(s).toContain(formatLogLine(ev('2011-10-04T16:01:16.000Z', 'status', 'Trust List Updated'), PHONE));
    // The seed's microseconds are not the lab's: the line up to the milliseconds.
    const consoleLine = formatLogLine(
      ev('2011-09-01T09:13:17.561Z', 'console', 'SECD: tlRequestFile: Request CTLSEP0011215A1AE3.tlv'),
      PHONE,
    );
    expect(s).toContain(consoleLine.slice(0, consoleLine.indexOf('000 SECD')));
  });

  itWithSeeds('seed 003 has the TVS trace, management and tvcs prefixes', () => {
    const s = seedText('003');
    expect(s).toContain(
      formatLogLine(ev('2015-10-07T16:02:10.271Z', 'tvs', 'tvsIdleTLSEstablished', 'debug'), CUCM),
    );
    expect(s).toContain(
      formatLogLine(ev('2016-03-15T22:27:33.709Z', 'management', 'UTCTime="2016-03-15 21:27:33,709"'), {
        ...EXPC,
        device: 'CollabEdgeVCSC',
      }).replace('+00:00', '+01:00'),
    );
    expect(s).toContain('xwayc tvcs: Event="Outbound TLS Negotiation Error"');
    expect(
      formatLogLine(ev('2014-03-24T17:33:30.872Z', 'tvcs', 'Event="Outbound TLS Negotiation Error"'), {
        ...EXPC,
        device: 'xwayc',
      }),
    ).toMatch(/ xwayc tvcs: Event="Outbound TLS Negotiation Error"$/);
  });

  itWithSeeds('seed 004 has the traffic server prefix (there in local time, with its own pid)', () => {
    const line = formatLogLine(
      ev('2022-07-11T16:55:25.910Z', 'traffic_server', 'UTCTime="2022-07-11 16:55:25,910"'),
      EXPC,
    );
    const seedForm = line.replace('16:55:25.910+00:00', '18:55:25.910+02:00').replace(/\[\d+\]/, '[18242]');
    expect(seedText('004')).toContain(seedForm);
  });
});
