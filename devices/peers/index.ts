/** Registers the third-party peer kinds: 'provisioning-server', 'spa-phone', 'app-server'. */
import { deviceKind, registerDeviceKind } from '../../emulator/device-registry.ts';
import { AppServer, type AppServerDecl, appServerDecl } from './app-server.ts';
import {
  ProvisioningServer,
  type ProvisioningServerDecl,
  provisioningServerDecl,
} from './provisioning-server.ts';
import { SpaPhone, type SpaPhoneDecl, spaPhoneDecl } from './spa-phone.ts';

if (!deviceKind('provisioning-server')) {
  registerDeviceKind<ProvisioningServerDecl>({
    kind: 'provisioning-server',
    summary: 'Apache/mod_ssl-like HTTPS provisioning server that requires SPA client certificates (seed 001)',
    schema: provisioningServerDecl,
    create: (d, ctx) => new ProvisioningServer(d, ctx),
  });
}
if (!deviceKind('spa-phone')) {
  registerDeviceKind<SpaPhoneDecl>({
    kind: 'spa-phone',
    summary:
      'Cisco SPA50x/51x phone that resyncs its profile over HTTPS with its firmware TLS quirks (seed 001)',
    schema: spaPhoneDecl,
    create: (d, ctx) => new SpaPhone(d, ctx),
    // The schema took it as an https:// URL; $MA is in the path, never the host.
    hosts: (d) => [{ path: 'profileRule', host: new URL(d.profileRule).host }],
  });
}
if (!deviceKind('app-server')) {
  registerDeviceKind<AppServerDecl>({
    kind: 'app-server',
    summary:
      'third-party application server opening a SIP/TLS trunk to CUCM with its own certificate (seed 000)',
    schema: appServerDecl,
    create: (d, ctx) => new AppServer(d, ctx),
    hosts: (d) => [{ path: 'cucm', host: d.cucm }],
  });
}
