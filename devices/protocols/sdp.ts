/**
 * SDP for the calls between phones (RFC 4566 audio offers and answers; SRTP keys in `a=crypto`,
 * RFC 4568), as the SIP messages of devices/protocols/sip.ts carry them.
 */

/** The audio offer/answer of a Cisco phone call (RFC 4566 subset; RFC 4568 `a=crypto` for SRTP). */
export interface AudioSdp {
  address: string;
  port: number;
  /** `RTP/SAVP` when the offer carries SRTP keys. */
  profile: 'RTP/AVP' | 'RTP/SAVP';
  /** The `inline:` key of `a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:...`, or null. */
  crypto: { suite: string; inline: string } | null;
}

/** One audio line, PCMU 20 ms, as Cisco SIP phones send it (`o=Cisco-SIPUA`). */
export function buildAudioSdp(s: AudioSdp): string {
  return [
    'v=0',
    `o=Cisco-SIPUA 1 1 IN IP4 ${s.address}`,
    's=SIP Call',
    `c=IN IP4 ${s.address}`,
    't=0 0',
    `m=audio ${s.port} ${s.crypto ? 'RTP/SAVP' : 'RTP/AVP'} 0`,
    'a=rtpmap:0 PCMU/8000',
    'a=ptime:20',
    ...(s.crypto ? [`a=crypto:1 ${s.crypto.suite} inline:${s.crypto.inline}`] : []),
    '',
  ].join('\r\n');
}

/** Reads the first audio line; null when the body has no `c=` or `m=audio`, or they are not a valid
 * IPv4 address (octets 0-255) and UDP port (1-65535). */
export function parseAudioSdp(body: string): AudioSdp | null {
  const address = /^c=IN IP4 (\d{1,3}(?:\.\d{1,3}){3})\s*$/m.exec(body)?.[1];
  const m = /^m=audio (\d{1,5}) (RTP\/S?AVP)/m.exec(body);
  if (!address || !m) return null;
  if (address.split('.').some((o) => Number(o) > 255)) return null;
  const port = Number(m[1]);
  if (port < 1 || port > 65535) return null;
  const c = /^a=crypto:\d+ (\S+) inline:([A-Za-z0-9+/=]+)/m.exec(body);
  return {
    address,
    port,
    profile: m[2] === 'RTP/SAVP' ? 'RTP/SAVP' : 'RTP/AVP',
    crypto: c?.[1] && c[2] ? { suite: c[1], inline: c[2] } : null,
  };
}

/** RFC 4568 §6.2 / RFC 3711: the AES_CM_128 suites carry a 16-byte master key and a 14-byte salt. */
const SRTP_MASTER_BYTES: Record<string, number> = {
  AES_CM_128_HMAC_SHA1_32: 30,
  AES_CM_128_HMAC_SHA1_80: 30,
};

/**
 * The master key ‖ salt of an `a=crypto` `inline:` value (RFC 4568 §6.1), or null when the suite is
 * unknown or the value is not canonical base64 of exactly the suite's key + salt length.
 */
export function parseSrtpInline(crypto: { suite: string; inline: string }): Buffer | null {
  const want = SRTP_MASTER_BYTES[crypto.suite];
  if (!want) return null;
  // The key-params may carry `|lifetime|MKI` after the key (RFC 4568 §9.2): only the key is read.
  const b64 = crypto.inline.split('|')[0] ?? '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return null;
  const b = Buffer.from(b64, 'base64');
  return b.length === want ? b : null;
}
