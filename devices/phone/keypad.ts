/**
 * What a person at the phone can do, as console commands (`uclab console SEP<MAC> -c '...'`), so a
 * trainee in an exercise repairs at the phone as at the CUCM console: read the Trust List and Security
 * Configuration menus (seed 002 shows their content), erase a trust list (Settings > Security > Trust
 * List > Erase, the manual fix of TAC-118893 when a phone no longer trusts its cluster), reset or power
 * cycle it. The command words are modelled (a real phone has keys and soft keys, not a command line);
 * what each command shows is the menu's or the status messages' own wording.
 */
import type { TrustListKind } from '../../certs/ctl.ts';
import type { BootReport } from './events.ts';

/** The part of the phone the keypad works on. */
export interface KeypadPhone {
  readonly name: string;
  trustListMenu(): string;
  securityMenu(): string;
  deleteTrustList(which: TrustListKind | 'all'): void;
  reset(): Promise<BootReport>;
  goOffline(): void;
  goOnline(boot?: boolean): Promise<BootReport | null>;
}

const HELP = [
  'show trust-list         Settings > Security > Trust List (CTL and ITL, their MD5 and records)',
  'show security           Settings > Security Configuration',
  'erase ctl|itl|all       Settings > Security > Trust List > Erase',
  'reset                   Settings > Reset: the phone boots again (trust lists, config, registration)',
  'power-cycle             unplug the phone and plug it in again',
].join('\n');

/** Runs one keypad command; the answer is what the phone's screen shows afterwards. */
export async function keypad(phone: KeypadPhone, command: string): Promise<string> {
  const words = command.trim().toLowerCase().split(/\s+/);
  const [verb, what] = words;
  switch (verb) {
    case 'help':
    case '?':
      return HELP;
    case 'show':
      if (what === 'trust-list' || what === 'trust') return phone.trustListMenu();
      if (what === 'security') return phone.securityMenu();
      return `show what? (trust-list, security)\n${HELP}`;
    case 'erase': {
      const which = what === 'ctl' ? 'CTL' : what === 'itl' ? 'ITL' : what === 'all' ? 'all' : null;
      if (!which) return 'erase what? (ctl, itl, all)';
      phone.deleteTrustList(which);
      return phone.trustListMenu();
    }
    case 'reset':
      return screen(await phone.reset());
    case 'power-cycle': {
      phone.goOffline();
      const report = await phone.goOnline(true);
      return report ? screen(report) : '';
    }
    default:
      return `${phone.name}: unknown command "${command.trim()}"\n${HELP}`;
  }
}

/** The status messages of the boot, then where the phone ended: what a person sees after a reset. */
function screen(r: BootReport): string {
  const reg = r.registration;
  const state =
    reg.state === 'registered'
      ? `Registered with ${reg.server} (${reg.transport})`
      : `Not registered: ${reg.detail}`;
  return [...r.status, state].join('\n');
}
