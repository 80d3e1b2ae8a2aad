/**
 * The trust-list step of the boot (docs/reference/config-files.md §1 order: CTL, then ITL): fetch the file over TFTP
 * (per-MAC name first where the firmware asks for it), parse it, and install it if the phone's trust
 * rules (trust-rules.ts) accept its signer, asking TVS where they say so. What the phone holds after the
 * step is a `phone.trust-list` event (installed or refused) with the MD5 the Trust List menu shows.
 */
import { createHash } from 'node:crypto';
import { perDeviceTrustListFilename, type TrustListKind, trustListFilename } from '../../certs/ctl.ts';
import type { PhoneContext } from './context.ts';
import type { TrustListOutcome } from './events.ts';
import { trustListRecordViews } from './menus.ts';
import { type TftpSource, tftpFetch } from './tftp-fetch.ts';
import { parseTrustListOnce } from './trust-list-cache.ts';
import { trustListVerdict, trustListVerdictAfterTvs } from './trust-rules.ts';
import type { PhoneTvs } from './tvs-client.ts';

/** The `phone.trust-list` event for what the phone holds of `kind` now. */
export function emitTrustListChange(
  p: PhoneContext,
  kind: TrustListKind,
  change: 'installed' | 'erased' | 'refused',
  signer: string | null,
  reason: string,
): void {
  const held = p.trust.held(kind);
  p.emit('phone.trust-list', {
    list: kind,
    change,
    md5: held?.md5 ?? null,
    signer,
    reason,
    records: held ? trustListRecordViews(held) : [],
  });
}

export async function trustListStep(
  p: PhoneContext,
  tvs: PhoneTvs,
  kind: TrustListKind,
  source: TftpSource,
): Promise<{ outcome: TrustListOutcome; signer?: string }> {
  const files = p.profile.perMacTrustFiles
    ? [perDeviceTrustListFilename(kind, p.mac), trustListFilename(kind)]
    : [trustListFilename(kind)];
  let data: Buffer | null = null;
  for (const f of files) {
    data = await tftpFetch(p, source, f, true);
    if (data) break;
  }
  if (!data) return { outcome: 'not-found' };
  const md5 = createHash('md5').update(data).digest('hex');
  const parsed = parseTrustListOnce(new Uint8Array(data), kind, md5);
  if (!parsed.ok) {
    p.console.envelopeFailed(kind, parsed.error.message);
    p.status('trustListVerificationFailed');
    emitTrustListChange(p, kind, 'refused', null, parsed.error.message);
    return { outcome: 'verification-failed' };
  }
  const list = parsed.value;
  const held = p.trust.held(kind);
  if (held && held.md5 === md5) {
    p.console.envelopeOk(list.headerLength, kind);
    return { outcome: 'unchanged', signer: list.signer.name };
  }
  const first = trustListVerdict(p.trust, kind, list);
  const verdict =
    first.decision === 'ask-tvs'
      ? trustListVerdictAfterTvs(list, await tvs.query(list.signer, first.roles))
      : first;
  if (verdict.decision === 'refuse') {
    p.console.envelopeFailed(kind, verdict.why);
    p.status(verdict.corrupt ? 'trustListVerificationFailed' : 'trustListUpdateFailed');
    emitTrustListChange(p, kind, 'refused', list.signer.name, verdict.why);
    return { outcome: verdict.corrupt ? 'verification-failed' : 'update-failed', signer: list.signer.name };
  }
  p.console.envelopeOk(list.headerLength, kind);
  p.trust.set(kind, list, md5);
  p.console.trustListUpdated(kind);
  // A new trust list flushes what TVS vouched for (docs/reference/trust-files.md §4 step 4: tvsReqFlushTvsCertCache).
  tvs.flush();
  p.status('trustListUpdated');
  emitTrustListChange(p, kind, 'installed', list.signer.name, verdict.via);
  return { outcome: 'updated', signer: list.signer.name };
}
