// The selected exchange in full: its facts, each end's trust decision (the rule that decided, its
// reason and the alert), and every certificate seen, with subject, issuer, serial, validity and
// extensions (basicConstraints, keyUsage, extKeyUsage, subjectAltName).
import { html, since, TONE_OF_OUTCOME } from 'uclab/html.js';

function Cert({ label, cert }) {
  return html`<div class=${`cert validity-${cert.validity.replace(/ /g, '-')}`}>
    <div class="cert-label">${label}</div>
    <dl>
      <dt>subject</dt><dd>${cert.subject}</dd>
      <dt>issuer</dt><dd>${cert.issuer}${cert.selfSigned ? ' (self-signed)' : ''}</dd>
      <dt>serial</dt><dd><code>${cert.serial}</code></dd>
      <dt>validity</dt><dd class="validity">${cert.notBefore} → ${cert.notAfter} · ${cert.validity}</dd>
      <dt>key</dt><dd>${cert.keyType}</dd>
      <dt>SHA-256</dt><dd><code class="fp">${cert.sha256}</code></dd>
      ${cert.extensions.map(
        (x) =>
          html`<dt class="ext">${x.label}</dt><dd class=${`ext${x.tone ? ` tone-${x.tone}` : ''}`}>${x.value}</dd>`,
      )}
    </dl>
  </div>`;
}

export function Detail({ row }) {
  if (!row) {
    return html`<div class="detail empty">
      Select an exchange in the ladder (click it, or move with ↑ ↓) to see its certificates, the rule
      that decided and the logs of that moment.
    </div>`;
  }
  const tone = TONE_OF_OUTCOME[row.outcome] ?? 'info';
  return html`<div class=${`detail tone-${tone}`} aria-live="polite">
    <h2>
      <span class="detail-proto">${row.protocol}</span> ${row.title}
    </h2>
    <div class="route">${row.from}${row.to ? ` → ${row.to}` : ''} · ${since(row.t)} · ${row.outcome}</div>
    ${row.reason ? html`<div class="why big">${row.reason}</div>` : null}
    ${
      row.detail.decisions.length > 0
        ? html`<div class="decisions">
            <h3>Trust decisions</h3>
            ${row.detail.decisions.map(
              (d) => html`<div class=${`decision ${d.accepted ? 'tone-ok' : 'tone-bad'}`}>
                <b>${d.device}</b> (${d.role}) ${d.accepted ? 'accepted' : 'refused'}: ${d.reason}
                ${d.alert ? html` — alert <code>${d.alert}</code>` : null}
                <div class="rule">
                  rule: ${d.rule ? html`<code class="rule-id">${d.rule.id}</code> ${d.rule.name}` : 'not named by the device model'}
                </div>
              </div>`,
            )}
          </div>`
        : null
    }
    ${
      row.detail.facts.length > 0
        ? html`<dl class="facts">
            ${row.detail.facts.map(
              (f) => html`<dt>${f.label}</dt><dd class=${f.tone ? `tone-${f.tone}` : ''}>${f.value}</dd>`,
            )}
          </dl>`
        : null
    }
    ${row.detail.text ? html`<pre class="output">${row.detail.text}</pre>` : null}
    ${
      row.detail.certificates.length > 0
        ? html`<div class="certs">
            <h3>Certificates</h3>
            ${row.detail.certificates.map((c) => html`<${Cert} label=${c.label} cert=${c.cert} />`)}
          </div>`
        : null
    }
  </div>`;
}
