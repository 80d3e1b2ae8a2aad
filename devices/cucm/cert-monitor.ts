/**
 * Certificate Monitor (Cisco Unified OS Administration > Security > Certificate Monitor, seed 003):
 * checks the node's own and trust certificates at an interval (default daily, "Notification
 * Frequency"; a scenario shortens it) and raises the current alarms of the CertMonitorAlarmCatalog:
 * `CertValidLessThanMonth` (30 days), `CertValidfor7days` (7 days), `CertValidLessthanADay` (a day
 * or less, and past expiry). Seed 003's catalog marks `CertExpired` and `CertExpiryApproaching` "This
 * alarm is Obsolete." (line 1017), so they are never raised. The catalog's first page shows no current
 * alarm for a certificate already expired; the lab keeps raising the last-day alarm for it (M).
 *
 * Alarm text: the names are from seed 003's catalog; the syslog layout (`%UC_CERT-<sev>-<name>:
 * %[Message=Certificate expiration Notification. Certificate name:... Unit:... Type:... Expiration:...]`)
 * is an approximation (M) of CUCM's alarm format; descriptions are completed from the catalog's
 * truncated text ("Alarm that indicates Certifica...", "Alarm to indicate that Certifi...").
 */
import type { CertStore } from './cert-store.ts';

export interface CertMonitorHost {
  readonly name: string;
  readonly certs: CertStore;
  now(): number;
  alarm(e: {
    alarm: string;
    unit: string;
    store: 'own' | 'trust';
    file: string;
    expires: string;
    daysLeft: number;
    text: string;
    severity: number;
  }): void;
  checked(count: number, alarms: number): void;
}

const DAY = 86_400_000;

/** `Fri Dec 05 10:00:00:000 UTC 2025` (CUCM's alarm date). */
function alarmDate(d: Date): string {
  const p = d.toUTCString().split(' '); // Fri, 05 Dec 2025 10:00:00 GMT
  return `${(p[0] ?? '').replace(',', '')} ${p[2]} ${p[1]} ${p[4]}:000 UTC ${p[3]}`;
}

export class CertMonitor {
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly h: CertMonitorHost,
    private intervalMs: number,
  ) {}

  start(): void {
    this.check();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = setInterval(() => this.check(), this.intervalMs);
    this.#timer.unref();
  }

  /** A scenario shortens the Notification Frequency (architecture decision 4: timers a scenario can shorten). */
  setInterval(ms: number): void {
    this.intervalMs = ms;
    if (this.#timer) this.#schedule();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One pass over every certificate; returns the alarms raised. */
  check(): number {
    const now = this.h.now();
    const items: { unit: string; store: 'own' | 'trust'; file: string; notAfter: Date }[] = [];
    for (const own of this.h.certs.all()) {
      items.push({
        unit: own.unit,
        store: 'own',
        file: `${own.unit}.pem`,
        notAfter: new Date(own.identity.cert.validTo),
      });
    }
    for (const t of this.h.certs.trust.list()) {
      items.push({
        unit: t.store,
        store: 'trust',
        file: t.file.split('/').pop() ?? t.file,
        notAfter: new Date(t.cert.validTo),
      });
    }
    let raised = 0;
    for (const it of items) {
      const left = it.notAfter.getTime() - now;
      const daysLeft = Math.floor(left / DAY);
      let alarm: string | null = null;
      let severity = 4;
      let description = '';
      if (left <= DAY) {
        // `CertValidLessthanADa...` completed (M); "Certificate is about to Expire..." is the catalog's.
        alarm = 'CertValidLessthanADay';
        severity = 2;
        description =
          left <= 0
            ? 'Certificate is about to Expire in less than a day: it has expired'
            : 'Certificate is about to Expire in less than a day';
      } else if (left <= 7 * DAY) {
        alarm = 'CertValidfor7days';
        severity = 3;
        description = 'Alarm to indicate that Certificate is about to expire within 7 days';
      } else if (left <= 30 * DAY) {
        alarm = 'CertValidLessThanMonth';
        description = 'Alarm that indicates Certificate is about to expire within a month';
      }
      if (!alarm) continue;
      raised++;
      const type = it.store === 'own' ? 'certs' : 'trust-certs';
      const text = `%UC_CERT-${severity}-${alarm}: %[Message=Certificate expiration Notification. Certificate name:${it.file} Unit:${it.unit} Type:${type} Expiration:${alarmDate(it.notAfter)}][AppID=Cisco Certificate Expiry Monitor][ClusterID=StandAloneCluster][NodeID=${this.h.name}]: ${description}`;
      this.h.alarm({
        alarm,
        unit: it.unit,
        store: it.store,
        file: it.file,
        expires: it.notAfter.toISOString(),
        daysLeft,
        text,
        severity,
      });
    }
    this.h.checked(items.length, raised);
    return raised;
  }
}
