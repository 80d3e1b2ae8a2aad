import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { encodeSccp, type SccpFrame, sccpFramer } from '../../devices/protocols/sccp.ts';
import type { LabEvent } from '../../emulator/events.ts';
import { startCapture } from '../support/capture.ts';
import { itWithPeers, run } from '../support/peers.ts';
import { type CucmLab, issueLsc, PHONE, startCucmLab } from './support.ts';

let t: CucmLab;

beforeAll(async () => {
  t = await startCucmLab('cucm-sccp');
});
afterAll(async () => {
  await t?.stop();
});

describe('secure SCCP registration on 2443', () => {
  itWithPeers(
    ['tshark'],
    'tshark decodes our secure exchange as Skinny RegisterReq / RegisterAck with the lab key log',
    async () => {
      const pcap = join(t.dir, 'sccp.pcapng');
      const cap = await startCapture(t.pub.address, pcap);
      t.lab.fabric.addHost('test-phone');
      const lsc = await issueLsc(t.pub);
      const conn = await t.lab.fabric.connectTls(
        'test-phone',
        { host: 'cucm-pub', port: 2443 },
        {
          identity: { certPem: lsc.certPem, keyPem: lsc.keyPem },
          trust: [t.pub.certs.own('CallManager').identity.certPem],
          maxVersion: 'TLSv1.2',
        },
      );
      if (!conn.ok) throw new Error(conn.error.message);
      const framer = sccpFramer();
      const frames: SccpFrame[] = [];
      const gotAck = new Promise<void>((resolve) => {
        conn.value.socket.on('data', (chunk: Buffer) => {
          for (const r of framer.push(chunk)) if (r.ok) frames.push(r.value);
          if (frames.some((f) => f.message.type === 'RegisterAck')) resolve();
        });
      });
      conn.value.socket.write(
        encodeSccp({
          type: 'Register',
          register: {
            deviceName: PHONE,
            stationIpAddr: conn.value.local.address,
            deviceType: 36670,
            maxStreams: 5,
            protocolVer: 0,
          },
        }),
      );
      const reg = (await t.lab.timeline.waitFor(
        'the registration',
        (e) => e.kind === 'cucm.registered' && e.device === 'cucm-pub' && e.deviceName === PHONE,
      )) as LabEvent<'cucm.registered'>;
      await gotAck;
      expect(reg.securityMode).toBe(3);
      expect(
        t.pub
          .logLines()
          .some((l) =>
            /StationD: \(\d{7}\) TLS Connection Cipher - INFO:deviceName=SEP001122334455, Cipher=\S+, Security Mode=3/.test(
              l,
            ),
          ),
      ).toBe(true);
      conn.value.socket.end();
      await cap.stop();
      const r = await run('tshark', [
        '-r',
        pcap,
        '-o',
        `tls.keylog_file:${join(t.dir, 'keys.log')}`,
        '-Y',
        'skinny',
      ]);
      expect(r.stdout).toMatch(/RegisterReq/);
      expect(r.stdout).toMatch(/RegisterAck/);
    },
    60_000,
  );
});
