/**
 * CUCM release behaviour as data (architecture decision 8): adding a release is a row, not a branch.
 * Sources: docs/reference/trust-files.md §1.6 (ITL signer: CallManager before 12.0, ITLRecovery from 12.0), docs/reference/capf.md §2 and
 * TAC-217138 (CAPF runs on the publisher only), docs/reference/tvs.md §1 (TVS on every node), docs/reference/sccp-sip.md §2 (`Server:` header).
 */
export type CucmRelease = '11.5' | '12.5' | '14' | '15';

export interface ReleaseBehaviour {
  readonly release: CucmRelease;
  /** Which own certificate signs the ITL (and the tokenless CTL). */
  readonly itlSigner: 'CallManager' | 'ITLRecovery';
  /** CAPF listens on 3804 on the publisher only. */
  readonly capfOnPublisherOnly: boolean;
  /** TVS listens on 2445 on every node. */
  readonly tvsOnEveryNode: boolean;
  /** `Server:` of SIP responses (docs/reference/sccp-sip.md §2: `Cisco-CUCM12.5`). */
  readonly sipServer: string;
  /** `show version active` text. */
  readonly version: string;
  /** Highest TLS version of the SIP/SCCP/TVS/CAPF listeners (CUCM signalling stays on TLS 1.2). */
  readonly signallingMaxTls: 'TLSv1.2' | 'TLSv1.3';
}

export const RELEASES: Readonly<Record<CucmRelease, ReleaseBehaviour>> = {
  '11.5': {
    release: '11.5',
    itlSigner: 'CallManager',
    capfOnPublisherOnly: true,
    tvsOnEveryNode: true,
    sipServer: 'Cisco-CUCM11.5',
    version: '11.5.1.21900-40',
    signallingMaxTls: 'TLSv1.2',
  },
  '12.5': {
    release: '12.5',
    itlSigner: 'ITLRecovery',
    capfOnPublisherOnly: true,
    tvsOnEveryNode: true,
    sipServer: 'Cisco-CUCM12.5',
    version: '12.5.1.17900-64',
    signallingMaxTls: 'TLSv1.2',
  },
  '14': {
    release: '14',
    itlSigner: 'ITLRecovery',
    capfOnPublisherOnly: true,
    tvsOnEveryNode: true,
    sipServer: 'Cisco-CUCM14.0',
    version: '14.0.1.13900-155',
    signallingMaxTls: 'TLSv1.2',
  },
  '15': {
    release: '15',
    itlSigner: 'ITLRecovery',
    capfOnPublisherOnly: true,
    tvsOnEveryNode: true,
    sipServer: 'Cisco-CUCM15.0',
    version: '15.0.1.11900-23',
    signallingMaxTls: 'TLSv1.2',
  },
};

export function releaseBehaviour(r: CucmRelease): ReleaseBehaviour {
  return RELEASES[r];
}
