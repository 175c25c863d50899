import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { findManifestsDir } from '../../plugin/cluster/manifests.js';

const root = dirname(findManifestsDir(import.meta.dirname));
const manifest = load(readFileSync(resolve(root, 'plugin/krew/smartscale.yaml'), 'utf8')) as any;
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));

describe('krew manifest', () => {
  it('is a krew Plugin named smartscale at the package version', () => {
    expect(manifest.apiVersion).toBe('krew.googlecontainertools.github.com/v1alpha2');
    expect(manifest.kind).toBe('Plugin');
    expect(manifest.metadata.name).toBe('smartscale');
    expect(manifest.spec.version).toBe(`v${pkg.version}`);
    expect(manifest.spec.shortDescription.length).toBeLessThanOrEqual(80);
  });

  it('says Node.js 20 or newer is required', () => {
    expect(manifest.spec.caveats).toMatch(/Node\.js 20 or newer/);
    expect(pkg.engines.node).toBe('>=20.0.0');
  });

  it('runs the same executable npm links', () => {
    for (const platform of manifest.spec.platforms) {
      expect(platform.bin).toBe(pkg.bin['kubectl-smartscale']);
      expect(platform.uri).toContain(`v${pkg.version}`);
      expect(platform.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});
