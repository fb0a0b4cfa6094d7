// An e-mail receiver against an SMTP server the test starts (smtp-server): the mail arrives with
// the case in its subject and the acknowledge link in its text, to the on-duty person's address.
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startTestService } from '../support/service.js';
import { floodReport } from './receiver.js';

interface Mail {
  from: string;
  to: string[];
  data: string;
}

describe('email receiver', () => {
  const mails: Mail[] = [];
  let smtp: SMTPServer;
  let port = 0;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    port = (smtp.server.address() as { port: number }).port;
    svc = await startTestService({
      notify: {
        receivers: [
          {
            name: 'mail',
            type: 'email',
            smtp: { host: '127.0.0.1', port, secure: false },
            from: 'citysense <cs@city.test>',
            to: ['duty@city.test'],
          },
        ],
        routes: [{ match: { category: 'flood' }, receiver: 'mail', events: ['opened'] }],
        rosters: [
          {
            department: 'water-affairs',
            people: [
              { name: 'Zhang', receivers: ['mail'], email: 'zhang@city.test' },
              { name: 'Wang', receivers: ['mail'] },
            ],
            shifts: [{ from: '00:00', to: '00:00', person: 'Zhang' }],
            deputy: 'Wang',
            head: 'Wang',
            escalation: { deputyAfter: '1h', headAfter: '1h', officeAfter: '1h' },
          },
        ],
        pollInterval: '50ms',
      },
    });
  });
  afterAll(async () => {
    await svc?.stop();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  it('mails the route list and the on-duty person', async () => {
    const created = await api(svc.urls.http, '/api/incidents', { body: floodReport() });
    const id = created.json.id as string;
    await eventually(() => mails.length >= 2);
    const byRcpt = new Map(mails.map((m) => [m.to.join(','), m]));
    expect([...byRcpt.keys()].sort()).toEqual(['duty@city.test', 'zhang@city.test']);
    for (const m of mails) {
      expect(m.from).toBe('cs@city.test');
      expect(m.data).toMatch(/^Subject: .*=\?UTF-8\?|^Subject: /m);
      expect(m.data).toContain(id);
      expect(m.data).toContain(`X-Citysense-Incident: ${id}`);
    }
    expect(byRcpt.get('zhang@city.test')!.data).toContain('/a/');
    const log = await eventually(async () => {
      const r = await api(svc.urls.http, `/api/incidents/${id}/notifications`);
      const n = r.json?.notifications ?? [];
      return n.length === 2 && n.every((x: { state: string }) => x.state === 'delivered') ? n : undefined;
    });
    expect(log.map((n: { person?: string }) => n.person ?? '-').sort()).toEqual(['-', 'Zhang']);
  });
});
