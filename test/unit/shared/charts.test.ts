import { barChart, heatmap } from '../../../functions/shared/charts';

describe('SVG charts', () => {
  it('draws one bar per value, longest for the largest, and escapes labels', () => {
    const svg = barChart({
      title: 'A <b>&',
      bars: [
        { label: 'x<script>', value: 10 },
        { label: 'y', value: 5 },
      ],
    });
    expect(svg).toMatch(/^<svg/);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('x&lt;script&gt;');
    const widths = [...svg.matchAll(/<rect x="\d+" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[0]).toBeGreaterThan(widths[1] ?? 0);
  });

  it('shortens labels too long for the chart with an ellipsis', () => {
    const svg = barChart({ title: 't', width: 300, bars: [{ label: 'a'.repeat(200), value: 1 }] });
    expect(svg).toContain('…');
    expect(svg).not.toContain('a'.repeat(100));
  });

  it('writes every count of a heatmap in its cell', () => {
    const svg = heatmap({
      title: 'h',
      rowLabels: ['r1', 'r2'],
      columnLabels: ['c1'],
      values: [[3], [7]],
      rowTitle: 'r',
      columnTitle: 'c',
    });
    expect(svg).toContain('>3</text>');
    expect(svg).toContain('>7</text>');
  });
});
