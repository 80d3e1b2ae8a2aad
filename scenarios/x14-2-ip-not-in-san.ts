import { defineScenario, solvedWhen } from '../emulator/scenario.ts';
import {
  expectNoTrafficLine,
  expectSignIn,
  expectTrafficLine,
  jabberSignsIn,
  mraLab,
} from './kits/expressway.ts';

interface P {
  processNodeName: 'ip' | 'fqdn';
  ipSan: boolean;
}

export default defineScenario<P>({
  id: 'x14-2-ip-not-in-san',
  title: 'X14.2: CUCM advertised by IP, certificate holds only the FQDN: SNI not in certificate, 502',
  seed: '004',
  tags: ['expressway', 'mra', 'cucm', 'x14.2'],
  symptom:
    'MRA login fails; the Expressway-C logs "SNI (<ip>) not in certificate. Action=Terminate" and answers 502.',
  rootCause:
    'System > Server names the CUCM node by its IP address, so Expressway-C advertises the IP and MRA requests target it; X14.2 checks that address against the SAN/CN of the CA-signed certificate, which lists only the FQDN.',
  fix: 'Advertise the node by FQDN (System > Server) and rediscover it on the Expressway-C, or add the IP address to the certificate SAN.',
  variants: {
    fault: {
      explain: 'processNodeName is the IP address; the certificates hold only DNS names.',
      params: { processNodeName: 'ip', ipSan: false },
    },
    'fix-advertise-fqdn': {
      explain: 'System > Server names the node by its FQDN.',
      params: { processNodeName: 'fqdn', ipSan: false },
    },
    'fix-ip-san': {
      explain: 'tomcat and tomcat-ECDSA are reissued with the IP address in the SAN.',
      params: { processNodeName: 'ip', ipSan: true },
    },
  },
  exercise: {
    task: 'Since the Expressway-C was installed with X14.2, emusk cannot sign in to Jabber from outside the office (MRA): "Cannot communicate with the server." Find out why and repair it from the consoles: uclab console cucm-pub (CUCM) and uclab console expc (Expressway-C).',
    solvedBy: 'fix-advertise-fqdn',
    hints: [
      "Read the Expressway-C's traffic_server log (uclab ui --attach, or events.jsonl): which address does the failing request go to, and what does the certificate CUCM presents there hold (show cert own tomcat)?",
      'From X14.2 the traffic server checks the address CUCM advertises the node by against the SAN and CN of the certificate CUCM presents. This node is advertised by its IP address (run sql select name from processnode), and its certificates list only the FQDN.',
      "Name the node by its FQDN in System > Server (from the CLI: run sql update processnode set name='cucm-pub.lab.example' where name='<the IP address>'), then have the Expressway-C rediscover the cluster (xCommand UnifiedCM Refresh).",
    ],
  },
  lab: (v) => {
    const san = v.params.ipSan ? { ip: 'self' } : undefined;
    return mraLab({
      release: 'X14.2',
      processNodeName: v.params.processNodeName,
      certificates: {
        tomcat: { signedBy: 'enterprise-ca', ...(san ? { san } : {}) },
        'tomcat-ECDSA': { signedBy: 'enterprise-ca', ...(san ? { san } : {}) },
      },
    });
  },
  steps: (v) =>
    v.name === 'fault'
      ? [
          jabberSignsIn(),
          expectTrafficLine(
            '[ET_NET 0] WARNING: SNI ({ip}) not in certificate. Action=Terminate server={ip}({ip})',
            'The request targets the advertised IP address, which is in neither the SAN nor the CN of the certificate CUCM presents.',
          ),
          expectTrafficLine(
            "[ET_NET 0] ERROR: SSL connection failed for '{ip}': error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed",
            'The traffic server terminates the TLS connection.',
          ),
          expectTrafficLine('Msg="HTTP/1.1 502 connect failed"', 'The client gets 502 connect failed.'),
          expectSignIn(false, 'The UDS request failed, so the login fails as the user sees it.'),
        ]
      : [
          solvedWhen(jabberSignsIn()),
          solvedWhen(
            expectNoTrafficLine('not in certificate', 'The connection address is in the certificate.'),
          ),
          solvedWhen(expectSignIn(true, 'Jabber is signed in.')),
        ],
});
