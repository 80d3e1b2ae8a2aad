/** Registers the Expressway kinds: 'expressway-c', 'expressway-e' and the MRA clients 'jabber' and 'mra-phone'. */
import { deviceKind, registerDeviceKind } from '../../emulator/device-registry.ts';
import { ExpresswayC, type ExpresswayCDecl, expresswayCDecl } from './expressway-c.ts';
import { ExpresswayE, type ExpresswayEDecl, expresswayEDecl } from './expressway-e.ts';
import { Jabber, type JabberDecl, jabberDecl } from './jabber.ts';
import { MraPhone, type MraPhoneDecl, mraPhoneDecl } from './mra-phone.ts';

if (!deviceKind('expressway-c')) {
  registerDeviceKind<ExpresswayCDecl>({
    kind: 'expressway-c',
    summary:
      'Expressway-C: MRA traffic server with X14.0/X14.2 origin verification, Unified CM discovery, traversal client',
    schema: expresswayCDecl as unknown as import('zod').ZodType<ExpresswayCDecl>,
    create: (d, ctx) => new ExpresswayC(d, ctx),
    hosts: (d) => [
      ...d.unifiedCm.map((u, i) => ({ path: `unifiedCm[${i}].publisher`, host: u.publisher })),
      ...(d.traversal ? [{ path: 'traversal.peer', host: d.traversal.peer }] : []),
    ],
  });
  registerDeviceKind<ExpresswayEDecl>({
    kind: 'expressway-e',
    summary: 'Expressway-E: traversal server zone on 7001 (mutual TLS) and the MRA edge on 8443',
    schema: expresswayEDecl as unknown as import('zod').ZodType<ExpresswayEDecl>,
    create: (d, ctx) => new ExpresswayE(d, ctx),
    hosts: (d) => {
      const c = d.mra?.expresswayC;
      if (c === undefined) return [];
      return typeof c === 'string'
        ? [{ path: 'mra.expresswayC', host: c }]
        : c.map((host, i) => ({ path: `mra.expresswayC[${i}]`, host }));
    },
  });
  registerDeviceKind<JabberDecl>({
    kind: 'jabber',
    summary:
      'Jabber-like MRA client: signs in through Expressway (edge config, UDS devices, config over 6972)',
    schema: jabberDecl as unknown as import('zod').ZodType<JabberDecl>,
    create: (d, ctx) => new Jabber(d, ctx),
    hosts: (d) => [{ path: 'via', host: d.via }],
  });
  registerDeviceKind<MraPhoneDecl>({
    kind: 'mra-phone',
    summary:
      '78xx/88xx phone over MRA: edge config and its SEP<MAC>.cnf.xml over 6972, trusting only its pre-installed CA list',
    schema: mraPhoneDecl as unknown as import('zod').ZodType<MraPhoneDecl>,
    create: (d, ctx) => new MraPhone(d, ctx),
    hosts: (d) => [{ path: 'via', host: d.via }],
  });
}

export { ExpresswayC, ExpresswayE, Jabber, MraPhone };
