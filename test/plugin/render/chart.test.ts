import { describe, expect, it } from 'vitest';
import { renderForecastChart } from '../../../plugin/render/chart.js';

describe('renderForecastChart', () => {
  it('draws observed, expected and band (snapshot)', () => {
    const chart = renderForecastChart({ observed: 9, point: [10, 12, 15, 20, 18, 14], upper: [12, 15, 19, 25, 22, 17], stepSeconds: 60 }, { width: 25, height: 8 });
    expect(chart).toMatchSnapshot();
  });

  it('puts the peak on the top row and keeps it when downsampling a long horizon', () => {
    const point = Array.from({ length: 500 }, (_, i) => (i === 333 ? 100 : 10));
    const chart = renderForecastChart({ point, upper: point, stepSeconds: 60 }, { width: 40, height: 6 });
    const rows = chart.split('\n');
    expect(rows[0]).toMatch(/^100 \|\s*\*$/);
    expect(rows.filter((r) => r.includes('*')).length).toBeGreaterThan(1);
    expect(chart).toContain('+8h\n');
  });

  it('survives an all-zero forecast', () => {
    expect(renderForecastChart({ point: [0, 0], upper: [0, 0], stepSeconds: 60 }, { width: 10, height: 4 })).toContain('0 |');
  });

  it('draws a chart far wider than any terminal without overflowing the stack', () => {
    // 200,000 columns of a 6-step forecast: each series stretched to ~200,000 values.
    const chart = renderForecastChart({ observed: 9, point: [10, 12, 15, 20, 18, 14], upper: [12, 15, 19, 25, 22, 17], stepSeconds: 60 }, { width: 200_000, height: 4 });
    expect(chart.slice(0, 8)).toMatch(/^\s*25 \|/);
    expect(chart.split('\n')[0].length).toBeGreaterThan(100_000);
  });
});
