// The routing table's own escalation (吹哨报到 → 督办) through rosters: a missed acknowledge
// deadline tells the department's on-duty person (`overdue`), the step to the coordination
// office tells the office's on-duty person (`escalated`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startTestService, tempFile } from '../support/service.js';
import { floodReport, startReceiver } from './receiver.js';

describe('routing-chain escalation reaches rosters', () => {
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  beforeAll(async () => {
    hook = await startReceiver({ secret: 'chain' });
    const fast = { acknowledge: '300ms', arrive: '1h', resolve: '2h' };
    const routing = tempFile('routing.json', {
      default: { department: 'city-operations-center' },
      routes: [{ category: 'flood', department: 'water-affairs', deadlines: { red: fast, orange: fast, yellow: fast, blue: fast } }],
      escalation: { interval: '400ms', maxReminders: 0 },
    });
    const roster = (department: string, name: string) => ({
      department,
      people: [{ name, receivers: [name] }],
      shifts: [{ from: '00:00', to: '00:00', person: name }],
      deputy: name,
      head: name,
      escalation: { deputyAfter: '1h', headAfter: '1h', officeAfter: '1h' },
    });
    svc = await startTestService({
      routing,
      notify: {
        receivers: ['zhang', 'zhao'].map((name) => ({ name, type: 'webhook' as const, url: `${hook.url}/${name}`, secret: 'chain' })),
        rosters: [roster('water-affairs', 'zhang'), roster('city-operations-center', 'zhao')],
        pollInterval: '50ms',
      },
    });
  });
  afterAll(async () => {
    await svc?.stop();
    await hook?.close();
  });

  it('tells the department of the overdue and the office of the escalation', async () => {
    const id = (await api(svc.urls.http, '/api/incidents', { body: floodReport() })).json.id as string;
    const heard = () => hook.received.filter((r) => r.json?.incident?.id === id).map((r) => `${r.path}:${r.json.event}`);
    await eventually(() => heard().includes('/hook/zhao:escalated'), 8000);
    expect(heard()).toEqual(['/hook/zhang:opened', '/hook/zhang:overdue', '/hook/zhao:escalated']);
  });
});
