/**
 * The certificate pages of Maintenance > Security as admin actions: each applies Expressway's rules
 * (trust-store.ts), logs what the box logs (source `management`) and puts the outcome, with the GUI's
 * refusal text, on the timeline. Shared by the Expressway-C and the Expressway-E.
 */
import { X509Certificate } from 'node:crypto';
import type { EventKind, EventMap } from '../../emulator/events.ts';
import { ok, type Result, type UclabError } from '../../emulator/result.ts';
import './events.ts';
import { checkServerCertificate, type ExpresswayTrustStore, type ServerCertUpload } from './trust-store.ts';

export interface AdminSink {
  log(text: string, level: 'info' | 'warning'): void;
  emit<K extends EventKind>(kind: K, payload: EventMap[K]): unknown;
}

function subjectOf(pem: string): string | null {
  try {
    return new X509Certificate(pem).subject.replace(/\n/g, ', ');
  } catch {
    return null;
  }
}

/** Append CA certificate: every certificate of the file, or none when one is refused. */
export function trustAppend(
  store: ExpresswayTrustStore,
  pem: string,
  sink: AdminSink,
  now: Date,
): Result<{ added: string[]; alreadyPresent: string[] }, UclabError> {
  const r = store.append(pem, now);
  const message = r.ok
    ? `Trusted CA certificate appended: ${r.value.added.join('; ') || '(already present)'}`
    : r.error.message;
  sink.log(message, r.ok ? 'info' : 'warning');
  sink.emit('expressway.trust-store', {
    action: 'append',
    accepted: r.ok,
    subjects: r.ok ? r.value.added : [],
    alreadyPresent: r.ok ? r.value.alreadyPresent : [],
    message,
    code: r.ok ? null : r.error.code,
    entries: store.entries().length,
  });
  return r;
}

/** Delete: the entries whose CN or one-line subject is `subjectOrCn`; returns how many went. */
export function trustDelete(store: ExpresswayTrustStore, subjectOrCn: string, sink: AdminSink): number {
  const before = store.entries().map((e) => e.cert.subject.replace(/\n/g, ', '));
  const n = store.delete(subjectOrCn);
  const after = new Set(store.entries().map((e) => e.cert.subject.replace(/\n/g, ', ')));
  sink.emit('expressway.trust-store', {
    action: 'delete',
    accepted: n > 0,
    subjects: before.filter((s) => !after.has(s)),
    alreadyPresent: [],
    message:
      n > 0 ? `${n} trusted CA certificate(s) deleted` : `No trusted CA certificate matches ${subjectOrCn}`,
    code: n > 0 ? null : 'expressway.trust.not-found',
    entries: store.entries().length,
  });
  return n;
}

/** Server certificate > Upload: refused with the GUI's text, or accepted (restart required). */
export function serverCertificateUpload(
  certPem: string,
  keyPem: string,
  sink: AdminSink,
): Result<ServerCertUpload, UclabError> {
  const r = checkServerCertificate(certPem, keyPem);
  const subject = subjectOf(certPem);
  if (!r.ok) {
    sink.log(r.error.message, 'warning');
    sink.emit('expressway.server-certificate', {
      accepted: false,
      subject,
      message: r.error.message,
      code: r.error.code,
      warnings: [],
    });
    return r;
  }
  for (const w of r.value.warnings) sink.log(w, 'warning');
  const message = 'Server certificate uploaded: restart required';
  sink.log(message, 'info');
  sink.emit('expressway.server-certificate', {
    accepted: true,
    subject,
    message,
    code: null,
    warnings: r.value.warnings,
  });
  return ok(r.value);
}
