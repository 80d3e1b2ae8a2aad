/** Registers the 'cucm' device kind (a CUCM publisher or subscriber node). */
import { deviceKind, registerDeviceKind } from '../../emulator/device-registry.ts';
import { type CucmDecl, createCucm, cucmDecl } from './node.ts';

export { CucmNodeDevice } from './node.ts';

if (!deviceKind('cucm')) {
  registerDeviceKind<CucmDecl>({
    kind: 'cucm',
    summary:
      'Cisco Unified CM node: TFTP/ITL/CTL, TVS, CAPF (publisher), SCCP/SIP registration, certificate stores',
    schema: cucmDecl as unknown as import('zod').ZodType<CucmDecl>,
    create: createCucm,
    hosts: (d) => [
      ...(d.publisher ? [{ path: 'publisher', host: d.publisher }] : []),
      ...d.ctl.alternateTftp.map((t, i) => ({ path: `ctl.alternateTftp[${i}].host`, host: t.host })),
      ...d.sipTrunks.map((t, i) => ({ path: `sipTrunks[${i}].destination`, host: t.destination })),
    ],
  });
}
