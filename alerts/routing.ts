// Routing table (一委一办一平台, 吹哨报到): category (and optionally district/grid) → the
// department that must take the case, with deadlines per severity.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { toIssues } from '../ingest/index.js';
import { Duration } from '../model/duration.js';
import type { Severity } from '../model/detection.js';
import type { Deadlines } from '../model/incident.js';

const Limits = z.object({ acknowledge: Duration, arrive: Duration, resolve: Duration });
const DeadlinesBySeverity = z.object({
  red: Limits.optional(),
  orange: Limits.optional(),
  yellow: Limits.optional(),
  blue: Limits.optional(),
});

export const Route = z.object({
  category: z.string().min(1),
  district: z.string().optional(),
  grid: z.string().optional(),
  department: z.string().min(1),
  deadlines: DeadlinesBySeverity.optional(),
  /** Offices between the department and the coordination office, in escalation order. */
  escalateTo: z.array(z.string().min(1)).optional(),
});

/** How a missed deadline climbs (吹哨报到 → 督办): the chain ends at the coordination office. */
export const EscalationPolicy = z.object({
  /** The coordination office (一办); defaults to `default.department`. */
  office: z.string().min(1).optional(),
  /** Time from the overdue event to the next level, and between reminders. */
  interval: Duration.default(600_000),
  /** Reminders after the top of the chain is reached (bounded so an abandoned case stays readable). */
  maxReminders: z.number().int().min(0).default(20),
});
export type EscalationPolicy = z.infer<typeof EscalationPolicy>;

export const RoutingTable = z.object({
  /** The coordination office (一办) that takes whatever no route names, and escalations. */
  default: z.object({ department: z.string().min(1), deadlines: DeadlinesBySeverity.optional() }),
  routes: z.array(Route),
  /** Departments a case may be dispatched or transferred to though no route names them first. */
  departments: z.array(z.string().min(1)).optional(),
  escalation: EscalationPolicy.prefault({}),
});
export type RoutingTable = z.infer<typeof RoutingTable>;
export type RoutingTableInput = z.input<typeof RoutingTable>;

/** City-standard response limits per colour; a route may override any of them. */
const STANDARD: Record<Severity, z.input<typeof Limits>> = {
  red: { acknowledge: '5m', arrive: '30m', resolve: '4h' },
  orange: { acknowledge: '10m', arrive: '1h', resolve: '8h' },
  yellow: { acknowledge: '30m', arrive: '2h', resolve: '24h' },
  blue: { acknowledge: '2h', arrive: '24h', resolve: '72h' },
};

export const DEFAULT_ROUTING: RoutingTableInput = {
  default: { department: 'city-operations-center', deadlines: STANDARD },
  routes: [
    { category: 'flood', department: 'water-affairs' },
    { category: 'fire', department: 'fire-rescue' },
    { category: 'gas', department: 'gas-utility' },
    { category: 'public_order', department: 'public-security' },
    { category: 'traffic', department: 'traffic-police' },
    { category: 'device', department: 'iot-operations' },
  ],
};

export interface RouteDecision {
  department: string;
  limits: { acknowledge: number; arrive: number; resolve: number };
}

export interface Router {
  /** The department and response limits for a case; the most specific route wins. */
  route(q: { category: string; severity: Severity; district?: string; grid?: string }): RouteDecision;
  /** Every department a case may be dispatched or transferred to: the default, the routes', the extra list. */
  departments(): string[];
  /** Whether `department` is one of departments(). */
  knows(department: string): boolean;
  /** The limits `department` works to for this case: its route for the category if any, else its first route, else the default. */
  limitsFor(q: { department: string; category: string; severity: Severity; district?: string; grid?: string }): RouteDecision['limits'];
  /** The coordination office (一办): the top of every escalation chain. */
  office(): string;
  table(): RoutingTable;
  /** Who hears of a missed deadline, in order: the department, its `escalateTo`, the office. */
  escalationChain(q: { category: string; department?: string; district?: string; grid?: string }): string[];
  escalationPolicy(): { intervalMs: number; maxReminders: number };
}

/** Build a router; routes are matched grid → district → category, then the default. */
export function createRouter(table: RoutingTable): Router {
  const standard = DeadlinesBySeverity.parse(STANDARD);
  const pick = (severity: Severity, d?: z.infer<typeof DeadlinesBySeverity>) =>
    d?.[severity] ?? table.default.deadlines?.[severity] ?? standard[severity]!;
  const specificity = (r: z.infer<typeof Route>) => (r.grid ? 2 : 0) + (r.district ? 1 : 0);
  const ordered = [...table.routes].sort((a, b) => specificity(b) - specificity(a));
  const find = (category: string, district?: string, grid?: string) =>
    ordered.find(
      (r) => r.category === category && (r.district === undefined || r.district === district) && (r.grid === undefined || r.grid === grid),
    );
  const office = table.escalation.office ?? table.default.department;
  const known = new Set([table.default.department, ...table.routes.map((r) => r.department), ...(table.departments ?? []), office]);
  return {
    route({ category, severity, district, grid }) {
      const hit = find(category, district, grid);
      return {
        department: hit?.department ?? table.default.department,
        limits: pick(severity, hit?.deadlines),
      };
    },
    departments: () => [...known],
    knows: (department) => known.has(department),
    limitsFor({ department, category, severity, district, grid }) {
      const own = find(category, district, grid);
      const hit =
        own?.department === department
          ? own
          : (ordered.find((r) => r.department === department && r.category === category) ??
            ordered.find((r) => r.department === department));
      return pick(severity, hit?.deadlines);
    },
    office: () => office,
    table: () => table,
    escalationChain({ category, department, district, grid }) {
      const hit = find(category, district, grid);
      const first = department ?? hit?.department ?? table.default.department;
      return [...new Set([first, ...(hit?.escalateTo ?? []), office])];
    },
    escalationPolicy: () => ({ intervalMs: table.escalation.interval, maxReminders: table.escalation.maxReminders }),
  };
}

/** Deadlines counted from `from` (the warning, or a reopen). */
export function deadlinesFrom(from: number, limits: RouteDecision['limits']): Deadlines {
  return {
    acknowledgeBy: from + limits.acknowledge,
    arriveBy: from + limits.arrive,
    resolveBy: from + limits.resolve,
  };
}

export type LoadResult<T> = { ok: true; value: T } | { ok: false; issues: Array<{ path: string; message: string }> };

/** Parse a routing table file (YAML or JSON); with no path, the built-in table. */
export function loadRoutingTable(path?: string): LoadResult<RoutingTable> {
  let raw: unknown = DEFAULT_ROUTING;
  if (path) {
    try {
      raw = parseYaml(readFileSync(path, 'utf8'));
    } catch (err) {
      return { ok: false, issues: [{ path: '', message: `cannot read ${path}: ${(err as Error).message}` }] };
    }
  }
  const parsed = RoutingTable.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      issues: toIssues(parsed.error.issues),
    };
  }
  return { ok: true, value: parsed.data };
}
