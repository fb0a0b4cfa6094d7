// A field-by-field difference of two JSON values (rule versions): each changed leaf with its
// path (`levels[1].above`), what it was and what it is.

/** One changed field; `from` absent means added, `to` absent means removed. */
export interface FieldChange {
  path: string;
  from?: unknown;
  to?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The same value whatever the order of its object keys. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** The leaves that differ between `a` and `b` (objects and arrays are walked; other values compared whole). */
export function jsonDiff(a: unknown, b: unknown, path = ''): FieldChange[] {
  if (canonicalJson(a) === canonicalJson(b)) return [];
  const at = (k: string | number) => (typeof k === 'number' ? `${path}[${k}]` : path ? `${path}.${k}` : k);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) =>
      !(k in a) ? [{ path: at(k), to: b[k] }] : !(k in b) ? [{ path: at(k), from: a[k] }] : jsonDiff(a[k], b[k], at(k)),
    );
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    return Array.from({ length: n }, (_, i) =>
      i >= a.length ? [{ path: at(i), to: b[i] }] : i >= b.length ? [{ path: at(i), from: a[i] }] : jsonDiff(a[i], b[i], at(i)),
    ).flat();
  }
  return [
    { path: path || '(rule)', ...(a === undefined || a === null ? {} : { from: a }), ...(b === undefined || b === null ? {} : { to: b }) },
  ];
}
