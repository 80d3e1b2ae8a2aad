/**
 * The CUCM admin CLI (`admin:` prompt): the commands of product.md with real-looking output.
 * Wording sources: seed 002 (`file list tftp *.tlv detail`), seed 003 (`show cert list own`,
 * `utils itl reset localkey`, `run sql select name,tkcertificatestatus,publickey from device`, the
 * 5-minute guard), docs/reference/trust-files.md §1.7 (`show ctl`, `show itl`). Prompts ("Proceed (yes|no)?") are
 * answered yes, as a scenario would type. Unknown input prints "Executed command unsuccessfully".
 */
import { renderShowCtl, renderShowItl } from '../../certs/show-ctl.ts';
import { lscStatus } from '../protocols/lsc-status.ts';
import type { CucmAdmin } from './admin-api.ts';
import { trustStoreNamed, unitNamed } from './cert-store.ts';

/** The first line CUCM prints for a command it refused (its refusal text follows). */
export const UNSUCCESSFUL = 'Executed command unsuccessfully';

/** `31 Aug,2011 13:28:03` (seed 002). */
function listDate(ms: number): string {
  const d = new Date(ms);
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())} ${mon},${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
}

/** Informix-style result table (`run sql`): header, `=` rules as wide as the widest value. */
function sqlTable(columns: string[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join(' ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '='.repeat(w))), ...rows.map(line)].join('\n');
}

/** Runs one command line against the node's admin interface; returns what the administrator sees. */
export async function runCli(node: CucmAdmin, input: string): Promise<string> {
  const command = input.trim().replace(/\s+/g, ' ');
  const lower = command.toLowerCase();
  const out = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);

  // ------------------------------------------------------------------ show
  if (lower === 'show cert list own') {
    return out(
      node.certs
        .all()
        .map((c) => `${c.unit}/${c.unit}.pem: ${c.description}`)
        .join('\n'),
    );
  }
  if (lower === 'show cert list trust') {
    return out(
      node.cluster.trust
        .list()
        .map((e) => `${e.file}: ${e.description}`)
        .join('\n'),
    );
  }
  let m = /^show cert own (\S+?)(?:\/\S+)?$/i.exec(command);
  if (m) {
    const unit = unitNamed(m[1] as string);
    if (!unit) return out(`${UNSUCCESSFUL}\nInvalid certificate unit: ${m[1]}`);
    const c = node.certs.own(unit);
    return out(`${c.identity.certPem.trim()}\n${describeCert(c.identity.cert)}`);
  }
  m = /^show cert trust (\S+)$/i.exec(command);
  if (m) {
    const name = (m[1] as string).toLowerCase();
    const e = node.cluster.trust
      .list()
      .find((t) => t.file.toLowerCase() === name || t.file.toLowerCase().endsWith(`/${name}`));
    if (!e) return out(`${UNSUCCESSFUL}\nCertificate not found: ${m[1]}`);
    return out(`${e.pem.trim()}\n${describeCert(e.cert)}`);
  }
  if (lower === 'show ctl') {
    const ctl = node.tftpFiles.ctl();
    return out(renderShowCtl(ctl?.bytes ?? null, ctl ? { modified: new Date(ctl.modified) } : {}));
  }
  if (lower === 'show itl') {
    const itl = node.tftpFiles.itl();
    return out(renderShowItl(itl.bytes, { modified: new Date(itl.modified) }));
  }
  if (lower === 'show network eth0' || lower === 'show network eth0 detail') {
    return out(
      [
        'Ethernet 0',
        'DHCP       : disabled                Status     : up',
        `IP Address : ${node.address.padEnd(24)}IP Mask    : 255.255.255.000`,
        'Link Detected: yes                   Mode       : Auto disabled, Full, 10000 Mbits/s',
        'Duplicate IP: no',
        '',
        'DNS',
        'Primary    : (lab host table)        Secondary  : Not Configured',
        'Options    : timeout:5 attempts:2',
        `Domain     : ${node.decl.domain}`,
      ].join('\n'),
    );
  }
  if (lower === 'show version active') return out(`Active Master Version: ${node.release.version}`);

  // ------------------------------------------------------------------ file list tftp
  m = /^file list tftp (\S+)(?: (detail))?$/i.exec(command);
  if (m) {
    const re = globToRegExp(m[1] as string);
    const files = node.tftpFiles.list().filter((f) => re.test(f.name));
    const lines = m[2]
      ? files.map((f) => `${listDate(f.modified)} ${f.size.toLocaleString('en-US').padStart(9)} ${f.name}`)
      : files.map((f) => f.name);
    return out([...lines, `dir count = 0, file count = ${files.length}`].join('\n'));
  }

  // ------------------------------------------------------------------ set cert regen
  m = /^set cert regen (\S+)$/i.exec(command);
  if (m) {
    const unit = unitNamed(m[1] as string);
    if (!unit) return out(`${UNSUCCESSFUL}\nInvalid unit name: ${m[1]}`);
    const r = await node.regenerate(unit);
    if (!r.ok) return out(`${UNSUCCESSFUL}\n${r.error.message}`);
    return out(
      [
        `WARNING: This operation will overwrite any CA signed certificate previously imported for ${unit}`,
        'Proceed with regeneration (yes|no)? yes',
        '',
        `Successfully Regenerated Certificate for ${unit}.`,
        `You must restart services related to ${unit} for the regenerated certificates to become active.`,
      ].join('\n'),
    );
  }
  m = /^set cert delete (\S+) (\S+)$/i.exec(command);
  if (m) {
    const store = trustStoreNamed(m[1] as string);
    if (!store) return out(`${UNSUCCESSFUL}\nInvalid unit name: ${m[1]}`);
    const r = node.deleteTrust(store, m[2] as string);
    return out(r.ok ? `Successfully deleted certificate ${m[2]}.` : `${UNSUCCESSFUL}\n${r.error.message}`);
  }

  if (lower === 'utils system restart') {
    await node.restartSystem();
    return out(
      [
        'Do you really want to restart ?',
        '',
        'Enter (yes/no)? yes',
        '',
        'Appliance is being Restarted ...',
        'Warning: Restart could take up to 5 minutes.',
      ].join('\n'),
    );
  }

  m = /^utils service restart (.+)$/i.exec(command);
  if (m) {
    const service = m[1] as string;
    const r = node.restartService(service);
    if (!r.ok) return out(`${UNSUCCESSFUL}\n${r.error.message}`);
    // The service manager's progress lines (modelled after CUCM's output, not from a seed).
    return out(
      [
        'Service Manager is running',
        `${r.value}[STOPPING]`,
        `${r.value}[STARTING]`,
        `${r.value}[STARTED]`,
      ].join('\n'),
    );
  }

  // ------------------------------------------------------------------ utils ctl / itl
  if (lower === 'utils ctl set-cluster mixed-mode') {
    // The CLI is the tokenless path: run on a cluster whose CTL eTokens signed, it migrates the cluster
    // to tokenless mixed mode (TAC-118893, "Migrate CUCM Mixed Mode with Tokenless CTL"); the new CTL is
    // signed by the release's tokenless signer (ITLRecovery from 12.0, docs/reference/trust-files.md §1.6).
    const r = await node.setMixedMode('tokenless');
    if (!r.ok) return out(`${UNSUCCESSFUL}\n${r.error.message}`);
    return out(
      [
        'This operation will set the cluster to Mixed mode. Do you want to continue? (y/n):y',
        '',
        'Moving Forward',
        'Cluster set to Mixed Mode',
        'Please Restart the TFTP and Cisco CallManager services on all nodes in the cluster that run these services',
      ].join('\n'),
    );
  }
  if (lower === 'utils ctl set-cluster non-secure-mode') {
    const r = node.setNonSecure();
    if (!r.ok) return out(`${UNSUCCESSFUL}\n${r.error.message}`);
    return out(
      [
        'This operation will set the cluster to non secure mode. Do you want to continue? (y/n):y',
        '',
        'Moving Forward',
        'Cluster set to Non Secure Mode',
        'Please Restart the TFTP and Cisco CallManager services on all nodes in the cluster that run these services',
      ].join('\n'),
    );
  }
  if (lower === 'utils ctl update ctlfile') {
    const r = node.updateCtl();
    if (!r.ok) return out(`${UNSUCCESSFUL}\n${r.error.message}`);
    return out(
      [
        'This operation updates the CTLFile. Do you want to continue? (y/n):y',
        '',
        'Updating CTL file',
        'CTL file Updated',
        'Please Restart the TFTP and Cisco CallManager services on all nodes in the cluster that run these services',
      ].join('\n'),
    );
  }
  if (lower === 'utils ctl') {
    return out(
      'utils ctl set-cluster mixed-mode\nutils ctl set-cluster non-secure-mode\nutils ctl update CTLFile',
    );
  }
  m = /^utils itl reset(?: (localkey|remotekey))?$/i.exec(command);
  if (m) {
    if (!m[1]) return out('utils itl reset localkey\nutils itl reset remotekey');
    const r = node.itlReset(m[1].toLowerCase() as 'localkey' | 'remotekey');
    if (!r.ok) return out(`${UNSUCCESSFUL}\n${r.error.message}`);
    return out(
      [
        'Enter CCM Administrator password :',
        '',
        'Locating active Tftp servers in the cluster.....',
        '',
        'Following is the list of Active tftp servers in the cluster',
        '',
        `[${r.value.map((n) => `'${n}'`).join(', ')}]`,
        'The reset ITL file was generated successfully',
        '',
        'Transferring new reset ITL file to the TFTP server nodes in the cluster.....',
      ].join('\n'),
    );
  }

  // ------------------------------------------------------------------ run sql
  m = /^run sql select (.+?) from device(?: where name (=|like) '([^']*)')?$/i.exec(command);
  if (m) {
    const columns = (m[1] as string).split(',').map((c) => c.trim().toLowerCase());
    const known = ['name', 'tkcertificatestatus', 'publickey', 'description', 'tkdeviceprotocol', 'tkmodel'];
    const bad = columns.find((c) => !known.includes(c));
    if (bad)
      return out(
        `${UNSUCCESSFUL}\nColumn (${bad}) not found in any table in the query (or SLV is undefined).`,
      );
    let phones = [...node.cluster.phones.values()];
    if (m[2] && m[3] !== undefined) {
      const re =
        m[2] === '='
          ? new RegExp(`^${m[3].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i')
          : new RegExp(
              `^${m[3]
                .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
                .replace(/%/g, '.*')
                .replace(/_/g, '.')}$`,
              'i',
            );
      phones = phones.filter((p) => re.test(p.decl.name));
    }
    const rows = phones.map((p) =>
      columns.map((c) => {
        switch (c) {
          case 'name':
            return p.decl.name.toUpperCase();
          case 'tkcertificatestatus':
            return String(p.certificateStatus);
          case 'publickey':
            return p.lsc
              ? p.lsc.publicKey
                  .export({
                    type: p.lsc.publicKey.asymmetricKeyType === 'rsa' ? 'pkcs1' : 'spki',
                    format: 'pem',
                  })
                  .toString()
                  .replace(/\n/g, ' ')
                  .trim()
              : 'NULL';
          case 'description':
            return `${p.decl.model} ${p.decl.name}`;
          case 'tkdeviceprotocol':
            return p.decl.protocol === 'SIP' ? '11' : '0';
          default:
            return p.decl.model;
        }
      }),
    );
    return out(sqlTable(columns, rows));
  }
  const processNode = processNodeSql(node, command);
  if (processNode !== null) return out(processNode);
  m = /^run sql (.*)$/i.exec(command);
  if (m)
    return out(
      `${UNSUCCESSFUL}\nThis lab models: run sql select <name,tkcertificatestatus,publickey,...> from device [where name like '...']`,
    );

  if (command === '') return '';
  return out(`${UNSUCCESSFUL}\nNo valid command entered`);
}

/**
 * System > Server from the CLI: the `processnode` table. `name` is the Host Name/IP Address field that
 * CUCM advertises the node by (phones' configuration files, the Expressway-C's discovery, seed 004).
 * The real table also holds the `EnterpriseWideData` row (no server). An update prints the row count
 * (`Rows: 1`, modelled: L); the lab refuses a name that does not resolve to the node itself, since
 * every phone and Expressway would then be sent to an address that is not the node.
 */
function processNodeSql(node: CucmAdmin, command: string): string | null {
  const nodes = [...node.cluster.nodes.values()];
  const select = /^run sql select (.+?) from processnode$/i.exec(command);
  if (select) {
    const columns = (select[1] as string).split(',').map((c) => c.trim().toLowerCase());
    const bad = columns.find((c) => c !== 'name' && c !== 'description');
    if (bad)
      return `${UNSUCCESSFUL}\nColumn (${bad}) not found in any table in the query (or SLV is undefined).`;
    const rows = [
      ['EnterpriseWideData', ''],
      ...nodes.map((n) => [n.processNodeName, n.isPublisher ? 'publisher' : 'subscriber']),
    ].map(([name, description]) => columns.map((c) => (c === 'name' ? (name ?? '') : (description ?? ''))));
    return sqlTable(columns, rows);
  }
  const update = /^run sql update processnode set name\s*=\s*'([^']+)' where name\s*=\s*'([^']+)'$/i.exec(
    command,
  );
  if (!update) return null;
  const [, next, current] = update as unknown as [string, string, string];
  const target = nodes.find((n) => n.processNodeName.toLowerCase() === current.toLowerCase());
  if (!target) return 'Rows: 0';
  const names = [target.fqdn, target.name, target.address];
  if (!names.some((n) => n.toLowerCase() === next.toLowerCase()))
    return `${UNSUCCESSFUL}\nThis lab lets a node be named only by its own FQDN, host name or IP address (${names.join(', ')})`;
  target.processNodeName = names.find((n) => n.toLowerCase() === next.toLowerCase()) ?? next;
  node.cluster.changed(`System > Server: ${current} is now ${target.processNodeName}`);
  return 'Rows: 1';
}

function describeCert(cert: import('node:crypto').X509Certificate): string {
  return [
    `Subject: ${cert.subject.replace(/\n/g, ', ')}`,
    `Issuer: ${cert.issuer.replace(/\n/g, ', ')}`,
    `Serial Number: ${cert.serialNumber.toLowerCase()}`,
    `Validity From: ${new Date(cert.validFrom).toUTCString()}`,
    `           To: ${new Date(cert.validTo).toUTCString()}`,
  ].join('\n');
}

/** For `run sql` status names in reports: `10 Upgrade Failed: Invalid Authentication String`. */
export function statusText(code: number): string {
  return `${code} ${lscStatus(code)?.name ?? ''}`.trim();
}
