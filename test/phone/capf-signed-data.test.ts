/**
 * SIGNED_DATA of CAPF authentication by an existing certificate (docs/reference/capf.md §5 tag 6), in the two
 * forms seen in the field (docs/reference/capf.md §1): the bare SHA-1 in PKCS#1 v1.5 type-1 padding (the open-source
 * CAPF client used with real phones; the phone's default) and RSASSA-PKCS1-v1_5 with the DigestInfo.
 * CUCM's CAPF accepts both; a firmware row may choose the DigestInfo form.
 */
import { constants, generateKeyPairSync, publicDecrypt } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import { signedDataVerifies } from '../../devices/cucm/capf-server.ts';
import { signedData } from '../../devices/phone/capf-client.ts';
import { profileFor } from '../../devices/phone/firmware-profiles.ts';
import { Phone } from '../../devices/phone/phone.ts';
import { signedDataDigest } from '../../devices/protocols/capf.ts';
import { Lab } from '../../emulator/lab.ts';

const MAC = '0011215ACB01';
const NAME = `SEP${MAC}`;
const der = Buffer.from('certificate bytes');
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('SIGNED_DATA forms', () => {
  it('the raw form is the bare 20-byte SHA-1 in type-1 padding, no DigestInfo', () => {
    const sig = signedData(privateKey, NAME, der, 'raw-sha1');
    const block = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, sig);
    expect(block.equals(signedDataDigest(NAME, der))).toBe(true);
  });

  it('CUCM CAPF accepts the raw form', () => {
    expect(signedDataVerifies(publicKey, NAME, der, signedData(privateKey, NAME, der, 'raw-sha1'))).toBe(
      true,
    );
  });

  it('CUCM CAPF accepts the DigestInfo form', () => {
    expect(signedDataVerifies(publicKey, NAME, der, signedData(privateKey, NAME, der, 'digest-info'))).toBe(
      true,
    );
  });

  it('CUCM CAPF refuses a signature over another device name, in either form', () => {
    for (const form of ['raw-sha1', 'digest-info'] as const)
      expect(
        signedDataVerifies(publicKey, 'SEP000000000000', der, signedData(privateKey, NAME, der, form)),
      ).toBe(false);
  });
});

let lab: Lab | null = null;
afterEach(async () => {
  await lab?.stop();
  lab = null;
});

/** An 88xx phone of the given SIGNED_DATA form, CAPF install by existing MIC scheduled on CUCM. */
async function enrolByMic(form: 'raw-sha1' | 'digest-info' | undefined) {
  lab = await Lab.create({ name: 'capf-signed-data', seed: `capf-signed-data-${form}` });
  const built = lab.build({
    devices: [
      {
        kind: 'cucm',
        name: 'cucm-pub',
        capfTimeout: '3s',
        phones: [
          {
            name: NAME,
            model: 'CP-8861',
            protocol: 'SIP',
            security: 'non-secure',
            line: '1001',
            capf: { operation: 'install', authMode: 'existing-mic' },
          },
        ],
      },
    ],
  });
  if (!built.ok) throw new Error(built.error.message);
  const base = profileFor({ firmware: 'sip-88xx-14.2' });
  if (!base) throw new Error('no sip-88xx-14.2 profile');
  const profile = form ? { ...base, capfSignedData: form } : base;
  const phone = lab.add(
    new Phone(
      {
        kind: 'phone',
        name: NAME,
        aliases: [],
        mac: MAC,
        model: 'CP-8861',
        firmware: profile.id,
        tftp: 'cucm-pub',
        autoBoot: false,
        online: true,
        line: '1001',
        timers: { tftpTimeoutMs: 400, tftpRetries: 1 },
      },
      lab.context,
      { profile },
    ),
  );
  await lab.start();
  return { report: await phone.boot() };
}

describe('CAPF install authenticated by the MIC against the CUCM model', () => {
  it('a phone of the default (raw SHA-1) form is authenticated and gets its LSC', async () => {
    const { report } = await enrolByMic(undefined);
    expect(report.capf?.outcome).toBe('installed');
  }, 30_000);

  it('a phone of the DigestInfo form is authenticated and gets its LSC', async () => {
    const { report } = await enrolByMic('digest-info');
    expect(report.capf?.outcome).toBe('installed');
  }, 30_000);
});
