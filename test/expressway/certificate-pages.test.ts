/** Maintenance > Security's certificate pages as admin actions: their outcome, with the GUI's text. */
import { describe, expect, it } from 'vitest';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import { cucmSelfSigned, expresswayServerProfile, faults } from '../../certs/profiles.ts';
import {
  type AdminSink,
  serverCertificateUpload,
  trustAppend,
  trustDelete,
} from '../../devices/expressway/trust-admin.ts';
import { ExpresswayTrustStore } from '../../devices/expressway/trust-store.ts';
import type { EventMap } from '../../emulator/events.ts';

const ctx = createPkiContext({ seed: 'expressway-certificate-pages' });
const node = { host: 'cucm', domain: 'steven.lab' };

function recorder() {
  const events: { kind: string; payload: unknown }[] = [];
  const lines: string[] = [];
  const sink: AdminSink = {
    log: (text) => lines.push(text),
    emit: (kind, payload) => events.push({ kind, payload }),
  };
  return { sink, events, lines };
}

describe('Expressway certificate pages', () => {
  it("a refused trust upload puts the GUI's refusal text and the rule's code on the timeline", async () => {
    const tomcat = await issueCertificate(ctx, cucmSelfSigned(ctx, node, 'tomcat'));
    const callManager = await issueCertificate(ctx, cucmSelfSigned(ctx, node, 'CallManager'));
    const store = new ExpresswayTrustStore();
    const { sink, events } = recorder();
    trustAppend(store, tomcat.certPem, sink, new Date());
    trustAppend(store, callManager.certPem, sink, new Date());
    const [first, second] = events.map((e) => e.payload as EventMap['expressway.trust-store']);
    expect(first).toMatchObject({ action: 'append', accepted: true, code: null, entries: 1 });
    expect(second).toMatchObject({
      action: 'append',
      accepted: false,
      code: 'expressway.trust.same-cn',
      message:
        'Failed: A different certificate with the same common name (CN=cucm.steven.lab) is already in the trusted CA list (CSCwa12905)',
      entries: 1,
    });
  });

  it('an accepted trust upload names the certificates added, and one already there', async () => {
    const ca = await issueCertificate(ctx, cucmSelfSigned(ctx, node, 'tomcat-ECDSA'));
    const store = new ExpresswayTrustStore();
    const { sink, events, lines } = recorder();
    trustAppend(store, ca.certPem, sink, new Date());
    trustAppend(store, ca.certPem, sink, new Date());
    const [added, again] = events.map((e) => e.payload as EventMap['expressway.trust-store']);
    expect(added?.subjects).toEqual([ca.cert.subject.replace(/\n/g, ', ')]);
    expect(again?.alreadyPresent).toEqual([ca.cert.subject.replace(/\n/g, ', ')]);
    expect(lines[1]).toBe('Trusted CA certificate appended: (already present)');
  });

  it('a delete by CN records the subjects removed and how many remain', async () => {
    const a = await issueCertificate(ctx, cucmSelfSigned(ctx, { host: 'a', domain: 'lab' }, 'tomcat'));
    const b = await issueCertificate(ctx, cucmSelfSigned(ctx, { host: 'b', domain: 'lab' }, 'tomcat'));
    const store = new ExpresswayTrustStore();
    const { sink, events } = recorder();
    trustAppend(store, a.certPem + b.certPem, sink, new Date());
    expect(trustDelete(store, 'a.lab', sink)).toBe(1);
    expect(events[1]?.payload).toMatchObject({
      action: 'delete',
      accepted: true,
      subjects: [a.cert.subject.replace(/\n/g, ', ')],
      entries: 1,
    });
    trustDelete(store, 'nobody', sink);
    expect(events[2]?.payload).toMatchObject({ accepted: false, code: 'expressway.trust.not-found' });
  });

  it('a server certificate without clientAuth is refused with the seed 003 text on the timeline', async () => {
    const id = await issueCertificate(
      ctx,
      faults.serverAuthOnly(expresswayServerProfile({ name: 'p1', cn: 'expc.lab' })),
    );
    const { sink, events } = recorder();
    expect(serverCertificateUpload(id.certPem, id.keyPem, sink).ok).toBe(false);
    expect(events[0]).toEqual({
      kind: 'expressway.server-certificate',
      payload: {
        accepted: false,
        subject: id.cert.subject.replace(/\n/g, ', '),
        message:
          'Invalid certificate: The file provided does not have a client usage attribute. The certificate must be usable for both servers and clients for Unified Communications.',
        code: 'expressway.cert.no-client-eku',
        warnings: [],
      },
    });
  });

  it('an accepted server certificate upload carries its warnings and asks for a restart', async () => {
    const id = await issueCertificate(ctx, expresswayServerProfile({ name: 'p2', cn: 'expc.lab' }));
    const { sink, events } = recorder();
    serverCertificateUpload(id.certPem, id.keyPem.trimEnd(), sink);
    expect(events[0]?.payload).toMatchObject({
      accepted: true,
      message: 'Server certificate uploaded: restart required',
      warnings: [
        'Uploaded private key file is missing a newline at the end of the file (may cause service issues with MRA)',
      ],
    });
  });
});
