/**
 * The phone models a lab declaration may name (a phone's `model`, a CUCM device table entry's): the
 * models of the firmware profiles (firmware-profiles.ts), also as the hardware SKU writes the 79xx
 * ones, with a trailing G (CP-7975G is the CP-7975's part number). A model outside this list would
 * otherwise be accepted and fall back to a default profile, so a misspelt model is refused where the
 * lab is loaded, with the nearest known one.
 */
import { z } from 'zod';
import { closest } from '../../emulator/did-you-mean.ts';
import { FIRMWARE_PROFILES } from './firmware-profiles.ts';

export const PHONE_MODELS: readonly string[] = [...new Set(FIRMWARE_PROFILES.flatMap((p) => p.models))];

/** The model as the firmware profiles name it: CP-7975G is the CP-7975. */
export function baseModel(model: string): string {
  return model.endsWith('G') && PHONE_MODELS.includes(model.slice(0, -1)) ? model.slice(0, -1) : model;
}

export function isPhoneModel(model: string): boolean {
  return PHONE_MODELS.includes(baseModel(model));
}

/** Why `model` is not one the lab knows, with a did-you-mean; null when it is known. */
export function phoneModelProblem(model: string): string | null {
  if (isPhoneModel(model)) return null;
  const near = closest(model, PHONE_MODELS);
  return `"${model}" is not a phone model of the firmware profiles (${near ? `did you mean "${near}"?` : `one of ${PHONE_MODELS.join(', ')}`})`;
}

/** A zod string that must name a known phone model. */
export function phoneModelSchema(): z.ZodString {
  return z.string().superRefine((model, ctx) => {
    const problem = phoneModelProblem(model);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

const FIRMWARE_IDS: readonly string[] = FIRMWARE_PROFILES.map((f) => f.id);

/** Why `firmware` is not one the lab has a profile for, with a did-you-mean; null when it is known. */
export function firmwareProblem(firmware: string): string | null {
  if (FIRMWARE_IDS.includes(firmware)) return null;
  const near = closest(firmware, FIRMWARE_IDS);
  return `"${firmware}" is not a firmware of the lab (${near ? `did you mean "${near}"?` : `one of ${FIRMWARE_IDS.join(', ')}`})`;
}

/** Why a known firmware cannot run on a known model (firmware-profiles.ts `models`); null when it can. */
export function firmwareModelProblem(firmware: string, model: string): string | null {
  const profile = FIRMWARE_PROFILES.find((f) => f.id === firmware);
  const base = baseModel(model);
  if (!profile || !isPhoneModel(model) || profile.models.includes(base)) return null;
  const runs = FIRMWARE_PROFILES.filter((f) => f.models.includes(base)).map((f) => f.id);
  return `${profile.id} does not run on ${model} (it runs on ${profile.models.join(', ')}; ${model} runs ${runs.join(' or ')})`;
}
