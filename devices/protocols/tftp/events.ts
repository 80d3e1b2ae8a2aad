/** What a TFTP server reports: the hook the lab's TFTP service turns into its log lines. */
import type { TftpOptions } from './packet.ts';

export interface TftpPeer {
  address: string;
  port: number;
}

/** Which cap refused a request: too many transfers for one peer address, or for the whole server. */
export type TftpLimit = 'peer-limit' | 'server-limit';

export type TftpEvent =
  | { type: 'rrq'; filename: string; mode: string; peer: TftpPeer; options: TftpOptions }
  | { type: 'transfer-complete'; filename: string; peer: TftpPeer; bytes: number; blocks: number }
  | {
      type: 'transfer-error';
      filename?: string;
      peer: TftpPeer;
      code: number;
      message: string;
      /** Whether an ERROR packet went to the peer. */
      sent: boolean;
      /** Set when a cap refused the request (or abandoned a stalled transfer to make room). */
      limit?: TftpLimit;
    }
  | { type: 'malformed'; peer: TftpPeer; reason: string; offset: number };
