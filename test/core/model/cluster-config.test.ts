import { describe, expect, it } from 'vitest';
import { effectiveMode, parseClusterConfig } from '../../../core/model/cluster-config.js';

describe('parseClusterConfig', () => {
  it.each([
    [undefined, 'observe', false, 0],
    [{}, 'observe', false, 0],
    [{ mode: 'optimize' }, 'optimize', true, 0],
    [{ mode: ' observe\n' }, 'observe', true, 0],
    [{ mode: 'Optimize' }, 'observe', false, 1],
    [{ mode: 'yes', other: 'kept' }, 'observe', false, 1],
  ])('%j → %s', (data, mode, modeSet, warnings) => {
    const parsed = parseClusterConfig(data as Record<string, string> | undefined);
    expect(parsed.value).toEqual({ mode, modeSet });
    expect(parsed.warnings).toHaveLength(warnings);
  });

  it('names the bad value in the warning', () => {
    expect(parseClusterConfig({ mode: 'fast' }).warnings[0]).toContain('mode="fast" ignored');
  });

  it("lets a Deployment's mode override the cluster's", () => {
    expect(effectiveMode('observe', 'optimize')).toBe('optimize');
    expect(effectiveMode('optimize', undefined)).toBe('optimize');
  });
});
