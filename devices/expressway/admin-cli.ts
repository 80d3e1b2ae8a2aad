/**
 * The Expressway admin CLI (`xConfiguration ...`), as a pure function over the settings it reads and
 * writes: the commands seed 004 names (`xConfiguration EdgeConfigServer VerifyOriginServer: Off`, and
 * the cipher lists of Maintenance > Security > Ciphers, `xConfiguration Ciphers <list>: "..."`).
 * The device applies the returned change and puts the command and its output on the timeline.
 *
 * `xCommand UnifiedCM Refresh` is the web UI's Configuration > Unified Communications > Unified CM
 * servers > "Refresh servers" (seed 004's fix: "advertise the node by FQDN in System > Server and
 * rediscover"); no source here gives that button's command name, so the name and its `*r` answer are
 * the lab's, in the xCommand answer form (L).
 */
import type { ExpresswayRelease } from './releases.ts';

export interface XCliSettings {
  release: ExpresswayRelease;
  verifyOriginServer: 'On' | 'Off';
  ciphers: string;
}

export interface XCliResult {
  /** What the administrator sees. */
  output: string;
  /** False when the box answered with an error. */
  ok: boolean;
  /** The settings the command changes (empty for a query or an error). */
  change: Partial<Pick<XCliSettings, 'verifyOriginServer' | 'ciphers'>>;
  /** An operation the device runs for the command (its result completes the output). */
  action?: 'refresh-unified-cm';
}

const OK = '** end\n\nOK';

function error(text: string): XCliResult {
  return { output: `*c xConfiguration Error: ${text}`, ok: false, change: {} };
}

export function runXCli(command: string, s: XCliSettings): XCliResult {
  const line = command.trim();
  let m = /^xConfiguration\s+EdgeConfigServer\s+VerifyOriginServer:\s*(On|Off)$/i.exec(line);
  if (m?.[1]) {
    if (!s.release.hasVerifyOriginSetting)
      return error(`EdgeConfigServer VerifyOriginServer is not available on ${s.release.id}`);
    return {
      output: OK,
      ok: true,
      change: { verifyOriginServer: m[1].toLowerCase() === 'on' ? 'On' : 'Off' },
    };
  }
  m = /^xConfiguration\s+Ciphers\s+(\w+):\s*"?([^"]+)"?$/i.exec(line);
  if (m?.[1] && m[2]) {
    // Every list of Maintenance > Security > Ciphers takes the same syntax; the traffic server's
    // connections to Unified CM follow the one set here (the lab keeps a single list).
    return { output: OK, ok: true, change: { ciphers: m[2].trim() } };
  }
  if (/^xCommand\s+UnifiedCM\s+Refresh$/i.test(line))
    return { output: '', ok: true, change: {}, action: 'refresh-unified-cm' };
  if (/^xConfiguration\s+EdgeConfigServer\s+VerifyOriginServer$/i.test(line))
    return {
      output: `*c xConfiguration EdgeConfigServer VerifyOriginServer: ${s.verifyOriginServer}\n** end`,
      ok: true,
      change: {},
    };
  if (/^xConfiguration\s+Ciphers$/i.test(line))
    return { output: `*c xConfiguration Ciphers: "${s.ciphers}"\n** end`, ok: true, change: {} };
  return error(`unknown command: ${line}`);
}

/**
 * Runs `xCommand UnifiedCM Refresh`: rediscovers every configured publisher with `discover` (the
 * device's Unified CM discovery) and answers one block per publisher (L).
 */
export async function refreshUnifiedCm<U extends { publisher: string }>(
  servers: U[],
  discover: (
    u: U,
  ) => Promise<{ ok: true; value: { nodes: string[] } } | { ok: false; error: { message: string } }>,
): Promise<string> {
  const results: { publisher: string; ok: boolean; message: string }[] = [];
  for (const u of servers) {
    const d = await discover(u);
    results.push({
      publisher: u.publisher,
      ok: d.ok,
      message: d.ok ? `Unified CM servers discovered: ${d.value.nodes.join(', ')}` : d.error.message,
    });
  }
  const ok = results.every((r) => r.ok);
  return [
    `*r UnifiedCMRefreshResult (status=${ok ? 'OK' : 'Error'}):`,
    ...results.flatMap((r) => [`    Publisher: "${r.publisher}"`, `    Detail: "${r.message}"`]),
    '** end',
    ...(ok ? ['', 'OK'] : []),
  ].join('\n');
}
