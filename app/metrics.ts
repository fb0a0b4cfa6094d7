// A small Prometheus text-format registry (GET /metrics). Stages keep their own counters;
// the app registers collectors that read them at scrape time, so the hot path only bumps numbers.
type Labels = Record<string, string>;
interface Sample {
  labels?: Labels;
  value: number;
}
interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
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

  /** The Prometheus exposition text. */
  render(): string {
    const out: string[] = [];
    for (const f of this.families) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      for (const s of f.collect()) out.push(`${f.name}${renderLabels(s.labels)} ${s.value}`);
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
