/**
 * Labs for the Expressway tests: the real CUCM model (devices/cucm) as the Unified CM the Expressway
 * meets, each lab in its own address block and stopped after its test.
 */
import { afterEach } from 'vitest';
import '../../devices/index.ts';
import { Lab } from '../../emulator/lab.ts';

const labs: Lab[] = [];

afterEach(async () => {
  await Promise.all(labs.splice(0).map((l) => l.stop()));
});

/** A lab built from `devices` and started; stopped after the test. */
export async function startLab(name: string, devices: Record<string, unknown>[]): Promise<Lab> {
  const lab = await Lab.create({ name });
  labs.push(lab);
  const r = lab.build({ devices });
  if (!r.ok) throw new Error(r.error.message);
  await lab.start();
  return lab;
}

/**
 * A CUCM publisher `cucm` (cucm.lab.example) advertised by FQDN, with emusk's CSF device. Its tomcat
 * is CA-signed and its tomcat-ECDSA self-signed unless `certificates` says otherwise (seed 004's pair).
 */
export function cucmNode(o: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'cucm',
    name: 'cucm',
    aliases: ['cucm.lab.example'],
    domain: 'lab.example',
    processNodeName: 'fqdn',
    certificates: { tomcat: { signedBy: 'enterprise-ca' }, 'tomcat-ECDSA': { signedBy: 'self' } },
    phones: [],
    users: [{ id: 'emusk', devices: ['CSFEMUSK'] }],
    ...o,
  };
}
