/**
 * What a listening port is for, so the ladder can say "TVS" instead of "TLS :2445". The ports are the
 * real products' (architecture.md decision 1; Cisco's "TCP and UDP Port Usage Guide" for Unified CM and
 * the Expressway "IP Port Usage" guide). A lab may move a service to another port (TFTP on a high port,
 * a traffic server port by declaration), so a port the table does not know is shown as itself.
 */

const BY_PORT: Record<number, string> = {
  69: 'TFTP',
  2000: 'SCCP',
  2443: 'SCCP/TLS',
  2445: 'TVS',
  3804: 'CAPF',
  5060: 'SIP',
  5061: 'SIP/TLS',
  6970: 'HTTP TFTP',
  6972: 'HTTPS TFTP',
  7001: 'Traversal',
  8443: 'HTTPS',
};

/** Ports whose use depends on the product: Expressway's 8443 is the MRA edge, not Tomcat. */
const BY_KIND: Record<string, Record<number, string>> = {
  cucm: { 8443: 'HTTPS UDS', 6972: 'HTTPS TFTP' },
  'expressway-e': { 8443: 'MRA HTTPS' },
  'expressway-c': { 8443: 'traffic server' },
};

export function serviceOf(port: number, kind: string | null, proto?: string): string | null {
  const specific = kind ? BY_KIND[kind]?.[port] : undefined;
  if (specific) return specific;
  const known = BY_PORT[port];
  if (known) return known;
  // A TFTP server a lab moved off 69 (an unprivileged process cannot bind it) is still TFTP.
  if (proto === 'udp' && kind === 'cucm') return 'TFTP';
  return null;
}
