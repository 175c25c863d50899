/**
 * What the cluster holds reaches a terminal: anyone who can annotate a Deployment writes the
 * forecast's `model` (any string up to 64 characters). Tables and text lose the characters a
 * terminal acts on; JSON and YAML keep the value exactly, escaped.
 */
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { UNPRINTABLE } from '../../../core/text/printable.js';
import { deploymentView } from '../../../plugin/cluster/deployment-view.js';
import type { StatusReport } from '../../../plugin/cluster/status.js';
import { renderData } from '../../../plugin/render/output.js';
import { renderStatusTable } from '../../../plugin/render/status.js';
import { renderTable } from '../../../plugin/render/table.js';
import { deployment, forecast, NOW } from '../builders.js';

const TITLE = '\u001b]0;pwned\u0007';
const CLEAR = '\u001b[2J';
const RLO = '\u202e';
const CSI8 = '\u009b31m';
const HOSTILE = `${TITLE}hw${CLEAR}${RLO}x${CSI8}`;

function rawUnprintable(text: string): string[] {
  return [...text.replace(/\n/g, '').matchAll(UNPRINTABLE)].map((m) => `U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function statusWith(model: string): StatusReport {
  return {
    context: 'prod',
    namespace: 'shop',
    cluster: { mode: 'observe', modeSource: 'configmap', installed: true },
    deployments: [deploymentView(deployment('web', { forecast: forecast({ model }) }), 'observe', NOW)],
    nodePools: null,
    nodeClaims: [],
    warnings: [],
  };
}

describe('tables and text', () => {
  it('a cell loses escape sequences, bidirectional overrides and line breaks', () => {
    const table = renderTable([{ header: 'MODEL', value: (r: string) => r }], [HOSTILE, 'ewma']);
    expect(rawUnprintable(table)).toEqual([]);
    expect(table).toBe('MODEL\n]0;pwned hw [2J x 31m\newma\n');
  });

  it.each([false, true])('status (wide %s) prints a hostile forecast model without a control character', (wide) => {
    const text = renderStatusTable(statusWith(HOSTILE), wide);
    expect(rawUnprintable(text)).toEqual([]);
    expect(text).toContain(']0;pwned hw [2J x 31m');
  });
});

describe('json and yaml', () => {
  const data = { model: HOSTILE, other: `a\u2028b\u200bc\ufeffd\u0085`, n: [1, 'ok'] };

  it('json escapes every unprintable character and parses back to the same value', () => {
    const json = renderData(data, 'json');
    expect(rawUnprintable(json)).toEqual([]);
    expect(json).toContain('\\u202e');
    expect(JSON.parse(json)).toEqual(data);
  });

  it('yaml holding one is printed in the JSON form, which loads back to the same value', () => {
    const yaml = renderData(data, 'yaml');
    expect(rawUnprintable(yaml)).toEqual([]);
    expect(load(yaml)).toEqual(data);
  });

  it('plain data prints as before', () => {
    expect(renderData({ a: 'plain', b: [1] }, 'yaml')).toBe('a: plain\nb:\n  - 1\n');
    expect(renderData({ a: 'plain' }, 'json')).toBe('{\n  "a": "plain"\n}\n');
  });
});
