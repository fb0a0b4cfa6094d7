// A small Prometheus text-format registry (GET /metrics). Stages keep their own counters;
// the app registers collectors that read them at scrape time, so the hot path only bumps numbers.
type Labels = Record<string, string>;
interface Sample {
  labels?: Labels;
  value: number;
  /** `_sum` / `_count` of a summary. */
  suffix?: string;
}
interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'summary';
  collect: () => Sample[];
}

export class MetricsRegistry {
  private readonly families: Family[] = [];
  private readonly counters = new Map<string, Map<string, { labels: Labels; value: number }>>();

  /** A metric whose samples are read from elsewhere at scrape time. */
  collect(name: string, help: string, type: Family['type'], collect: () => Sample[] | number): void {
    this.families.push({
      name,
      help,
      type,
      collect: () => {
        const v = collect();
        return typeof v === 'number' ? [{ value: v }] : v;
      },
    });
  }

  /** A counter owned by the registry; returns the function that increments it. */
  counter(name: string, help: string): (labels?: Labels, by?: number) => void {
    const series = new Map<string, { labels: Labels; value: number }>();
    this.counters.set(name, series);
    this.collect(name, help, 'counter', () => [...series.values()].map((s) => ({ labels: s.labels, value: s.value })));
    return (labels = {}, by = 1) => {
      const key = JSON.stringify(labels);
      const s = series.get(key);
      if (s) s.value += by;
      else series.set(key, { labels, value: by });
    };
  }

  /**
   * A summary over the last `window` observations (quantiles 0.5, 0.9, 0.99) with all-time
   * `_sum` and `_count`; returns the function that observes a value. O(1) per observation.
   */
  summary(name: string, help: string, window = 4096): (value: number) => void {
    const ring = new Float64Array(window);
    let count = 0;
    let sum = 0;
    this.collect(name, help, 'summary', () => {
      const recent = ring.slice(0, Math.min(count, window)).sort();
      const q = (p: number) => (recent.length === 0 ? NaN : recent[Math.min(recent.length - 1, Math.floor(p * recent.length))]!);
      return [
        ...[0.5, 0.9, 0.99].map((p) => ({ labels: { quantile: String(p) }, value: q(p) })),
        { suffix: '_sum', value: sum },
        { suffix: '_count', value: count },
      ];
    });
    return (value) => {
      ring[count % window] = value;
      count++;
      sum += value;
    };
  }

  /** The Prometheus exposition text. */
  render(): string {
    const out: string[] = [];
    for (const f of this.families) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      for (const s of f.collect()) out.push(`${f.name}${s.suffix ?? ''}${renderLabels(s.labels)} ${s.value}`);
    }
    return out.join('\n') + '\n';
  }
}

const escape = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
function renderLabels(labels?: Labels): string {
  if (!labels || Object.keys(labels).length === 0) return '';
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${escape(v)}"`)
    .join(',')}}`;
}
