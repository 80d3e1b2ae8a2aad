/** The fidelity marker as a person reads it. */
import { describe, expect, it } from 'vitest';
import { fidelityOf } from '../../emulator/fidelity/fidelity.ts';
import { FIDELITY_LEGEND, fidelityLabel, seedWordingCount } from '../../emulator/fidelity/legend.ts';

describe('fidelity labels', () => {
  it('names the seed and line of a seed wording', () => {
    expect(fidelityLabel(fidelityOf('Trust List Updated'))).toBe('[seed 002 line 573]');
  });

  it("says modelled for the lab's own wording", () => {
    expect(fidelityLabel(fidelityOf('LSC Installed'))).toBe('[modelled]');
  });

  it('explains both labels in the legend', () => {
    expect(FIDELITY_LEGEND).toContain('[seed NNN line L]');
    expect(FIDELITY_LEGEND).toContain('[modelled]');
  });
});

describe('seedWordingCount', () => {
  it('counts the checked texts that quote a seed, each pattern once', () => {
    expect(
      seedWordingCount([
        'Trust List Updated',
        'Trust List Updated',
        /SECD: validate_file_envelope: File sign verify SUCCESS; header length <\d+>/,
        'LSC Installed',
      ]),
    ).toEqual({ seed: 2, checked: 3 });
  });

  it('counts nothing for a scenario that checks no text', () => {
    expect(seedWordingCount([])).toEqual({ seed: 0, checked: 0 });
  });
});
