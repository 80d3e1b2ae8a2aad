/**
 * The Expressway admin CLI (`xConfiguration ...`), as a pure function over the settings it reads and
 * writes: the commands seed 004 names (`xConfiguration EdgeConfigServer VerifyOriginServer: Off`, and
 * the cipher lists of Maintenance > Security > Ciphers, `xConfiguration Ciphers <list>: "..."`).
 * The device applies the returned change and puts the command and its output on the timeline.
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
