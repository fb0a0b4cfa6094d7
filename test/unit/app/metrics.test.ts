// The Prometheus text of the registry: counters, collected gauges and a windowed summary.
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../app/metrics.js';

describe('metrics registry', () => {
  it('renders a summary of the last N observations with all-time _sum and _count', () => {
    const m = new MetricsRegistry();
    const observe = m.summary('x_seconds', 'x', 100);
    for (let i = 1; i <= 1000; i++) observe(i < 901 ? 1000 : i); // the first 900 fall out of the window
    const text = m.render();
    expect(text).toContain('# TYPE x_seconds summary');
    // The window holds 901…1000: p50 is the 51st of them, p99 the 100th.
    expect(text).toMatch(/^x_seconds\{quantile="0.5"\} 951$/m);
    expect(text).toMatch(/^x_seconds\{quantile="0.9"\} 991$/m);
    expect(text).toMatch(/^x_seconds\{quantile="0.99"\} 1000$/m);
    expect(text).toMatch(/^x_seconds_count 1000$/m);
    expect(text).toMatch(new RegExp(`^x_seconds_sum ${900 * 1000 + (901 + 1000) * 50}$`, 'm'));
  });

  it('renders NaN quantiles before the first observation', () => {
    const m = new MetricsRegistry();
    m.summary('y_seconds', 'y');
    expect(m.render()).toMatch(/^y_seconds\{quantile="0.5"\} NaN$/m);
    expect(m.render()).toMatch(/^y_seconds_count 0$/m);
  });
});
