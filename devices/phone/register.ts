/**
 * Registers the 'phone' device kind. Declaration:
 * { kind:'phone', name, aliases?, mac, model?, firmware?, tftp:'<host>[:port]', tftp2?, autoBoot?=true, online?=true,
 *   capfAuthString?, line?, timers? }.
 */
import { z } from 'zod';
import { baseDeviceDecl, registerDeviceKind } from '../../emulator/device-registry.ts';
import { profileFor } from './firmware-profiles.ts';
import { firmwareModelProblem, firmwareProblem, phoneModelSchema } from './models.ts';
import { Phone, type PhoneDeclaration } from './phone.ts';

export const phoneDeclSchema = baseDeviceDecl
  .extend({
    kind: z.literal('phone'),
    mac: z
      .string()
      .transform((m) => m.replace(/[^0-9a-fA-F]/g, '').toUpperCase())
      .pipe(z.string().regex(/^[0-9A-F]{12}$/, 'a MAC address has 12 hex digits, e.g. 001122334455')),
    model: phoneModelSchema().optional().describe('CUCM product name, e.g. CP-8861, CP-7975, CP-7940'),
    firmware: z
      .string()
      .superRefine((f, ctx) => {
        const problem = firmwareProblem(f);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    tftp: z.string().min(1, 'the TFTP server the phone boots from: <host>[:port]'),
    tftp2: z
      .string()
      .min(1)
      .optional()
      .describe('TFTP Server 2 (<host>[:port]): used when TFTP Server 1 does not answer'),
    autoBoot: z.boolean().default(true),
    online: z.boolean().default(true),
    capfAuthString: z.string().optional(),
    line: z.string().optional(),
    bootSlots: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('at most this many phones of the lab boot at once (an emulator bound, not a phone setting)'),
    timers: z
      .object({
        tftpTimeoutMs: z.number().int().positive().optional(),
        tftpRetries: z.number().int().min(0).optional(),
        keepAliveSeconds: z.number().positive().optional(),
        tlsTimeoutMs: z.number().int().positive().optional(),
        reRegisterDelayMs: z.number().int().positive().optional(),
        reRegisterMaxDelayMs: z.number().int().positive().optional(),
        reRegisterAttempts: z.number().int().min(0).optional(),
        missedKeepAlives: z.number().int().positive().optional(),
      })
      .describe('shorter timers for tests and scenarios; defaults come from the firmware profile')
      .optional(),
  })
  .superRefine((d, ctx) => {
    // As a plan's groups are checked (emulator/plan/plan-file.ts): a firmware the model runs.
    const problem = d.firmware && d.model ? firmwareModelProblem(d.firmware, d.model) : null;
    if (problem) ctx.addIssue({ code: 'custom', path: ['firmware'], message: problem });
  })
  .refine(
    (d) =>
      profileFor({
        ...(d.firmware ? { firmware: d.firmware } : {}),
        ...(d.model ? { model: d.model } : {}),
      }) !== undefined,
    {
      message: 'name a firmware (or a model one of the firmware profiles runs on)',
      path: ['firmware'],
    },
  );

registerDeviceKind<PhoneDeclaration>({
  kind: 'phone',
  summary: 'Cisco IP phone: MIC/LSC, CTL/ITL trust, TVS, CAPF, SCCP/SIP registration (firmware profiles)',
  schema: phoneDeclSchema as unknown as z.ZodType<PhoneDeclaration>,
  create(decl, ctx) {
    const profile = profileFor({
      ...(decl.firmware ? { firmware: decl.firmware } : {}),
      ...(decl.model ? { model: decl.model } : {}),
    });
    if (!profile) throw new Error(`no firmware profile for ${decl.firmware ?? decl.model}`);
    return new Phone(decl, ctx, { profile });
  },
  hosts: (d) => [{ path: 'tftp', host: d.tftp }, ...(d.tftp2 ? [{ path: 'tftp2', host: d.tftp2 }] : [])],
});

export { Phone };
