/**
 * What a scenario declares for a CUCM node (kind 'cucm'): release, cluster role, security mode, the
 * certificates of each unit, the device table (phones, SIP trunks, end users) and the timers a
 * scenario may shorten. Validated with zod (architecture: typed validation with path-and-hint errors).
 */
import { z } from 'zod';
import { CUCM_UNITS } from '../../certs/profiles.ts';
import { baseDeviceDecl } from '../../emulator/device-registry.ts';
import { durationSchema } from '../../emulator/duration-schema.ts';
import { phoneModelSchema } from '../phone/models.ts';

const unitDecl = z.object({
  key: z.enum(['rsa1024', 'rsa2048', 'rsa4096', 'ec256', 'ec384']).optional(),
  notBefore: durationSchema('offset').optional().describe('relative to lab start, e.g. -400d'),
  notAfter: durationSchema('offset')
    .optional()
    .describe('relative to lab start, e.g. +20d, or -1d for already expired'),
  hash: z.enum(['SHA1', 'SHA256', 'SHA384', 'SHA512']).optional(),
  signedBy: z.enum(['self', 'enterprise-ca']).optional(),
  san: z
    .object({
      dns: z.array(z.string()).optional(),
      ip: z.union([z.array(z.string()), z.literal('self')]).optional(),
    })
    .optional(),
});

export const phoneDecl = z.object({
  name: z.string().regex(/^SEP[0-9A-Fa-f]{12}$/, 'a phone device name is SEP + 12 hex digits of the MAC'),
  model: phoneModelSchema().default('CP-8861'),
  protocol: z.enum(['SIP', 'SCCP']).default('SIP'),
  line: z.string().optional(),
  security: z.enum(['non-secure', 'authenticated', 'encrypted']).default('non-secure'),
  tftpEncryptedConfig: z.boolean().optional(),
  capf: z
    .object({
      operation: z.enum(['none', 'install', 'delete', 'troubleshoot']),
      authMode: z.enum(['auth-string', 'null-string', 'existing-lsc', 'existing-mic']).default('null-string'),
      authString: z.string().optional(),
      keySize: z.union([z.literal(1024), z.literal(2048), z.literal(4096)]).optional(),
      curve: z.enum(['P-256', 'P-384', 'P-521']).optional(),
      completesBy: durationSchema('offset').optional().describe('deadline relative to lab start, e.g. +1d'),
    })
    .optional(),
});

export const cucmDecl = baseDeviceDecl.extend({
  kind: z.literal('cucm'),
  domain: z.string().default('lab.example'),
  release: z.enum(['11.5', '12.5', '14', '15']).default('14'),
  publisher: z.string().optional().describe('name of the publisher; absent = this node is the publisher'),
  mixedMode: z.enum(['none', 'tokenless', 'etoken']).default('none'),
  etokens: z
    .number()
    .int()
    .min(2)
    .max(2)
    .default(2)
    .describe('hardware SAST tokens (a .tlv holds at most 2)'),
  etokenPassword: z
    .string()
    .default('Cisco123')
    .describe("the eTokens' password, which the CTL client asks for to sign the CTL"),
  processNodeName: z.enum(['fqdn', 'hostname', 'ip']).default('hostname'),
  ctl: z
    .object({
      alternateTftp: z
        .array(
          z.object({
            host: z.string().min(1).describe('lab host name or IP address of the TFTP server'),
            certificate: z
              .string()
              .optional()
              .describe("PEM of the certificate that signs its files; absent: the publisher's CallManager"),
            role: z.enum(['TFTP', 'CCM+TFTP']).default('TFTP'),
          }),
        )
        .default([]),
    })
    .default({ alternateTftp: [] })
    .describe('CTL contents beyond the cluster nodes (publisher only): alternate TFTP servers'),
  certificates: z.partialRecord(z.enum(CUCM_UNITS), unitDecl).default({}),
  phones: z.array(phoneDecl).default([]),
  sipTrunks: z
    .array(
      z.object({
        name: z.string(),
        destination: z.string(),
        port: z.number().int().optional(),
        x509SubjectName: z.string().optional(),
      }),
    )
    .default([]),
  users: z
    .array(
      z.object({
        id: z.string(),
        devices: z.array(z.string()),
        csf: z
          .object({
            security: z.enum(['non-secure', 'authenticated', 'encrypted']).default('non-secure'),
            securityProfileName: z.string().optional().describe('the phone security profile, FQDN format'),
          })
          .optional()
          .describe("the security of the user's CSF (Jabber) devices"),
      }),
    )
    .default([]),
  certMonitorInterval: durationSchema('interval')
    .default('24h')
    .describe('Certificate Monitor notification frequency'),
  regenGuard: durationSchema('interval')
    .default('5m')
    .describe('the CallManager/TVS "modified in the last 5 minutes" guard'),
  capfTimeout: durationSchema('interval')
    .default('60s')
    .describe('how long CAPF waits for each phone message'),
  httpHeaderTimeout: durationSchema('interval')
    .default('20s')
    .describe(
      "how long HTTP 6970 and Tomcat 8443/6972 wait for a request head, after accept or between keep-alive requests (Tomcat's connectionTimeout as shipped in server.xml)",
    ),
  httpRequestTimeout: durationSchema('interval')
    .default('60s')
    .describe('how long HTTP 6970 and Tomcat 8443/6972 wait for a request body once its head is in'),
  tomcatCipherSelection: z
    .object({
      '8443': z.enum(['server', 'client']).optional(),
      '6972': z.enum(['server', 'client']).optional(),
    })
    .default({})
    .describe(
      "how Tomcat picks tomcat vs tomcat-ECDSA per port: 'client' follows the client's cipher order, 'server' keeps RSA first (default: 8443 server, 6972 client, as seed 004 captured)",
    ),
});

export type CucmDecl = z.infer<typeof cucmDecl>;
