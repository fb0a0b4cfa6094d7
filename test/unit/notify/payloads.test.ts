// The wire formats against their documented shapes, and each signature recomputed independently.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { alertmanagerBody } from '../../../notify/payloads/alertmanager.js';
import { dingtalkRequest } from '../../../notify/payloads/dingtalk.js';
import { emailMessage } from '../../../notify/payloads/email.js';
import { feishuRequest } from '../../../notify/payloads/feishu.js';
import { webhookRequest } from '../../../notify/payloads/webhook.js';
import { wecomBody, wecomRequest } from '../../../notify/payloads/wecom.js';
import { incident, notice, single } from './fixtures.js';

const NOW = Date.parse('2026-12-04T08:01:02.345Z');

describe('webhook', () => {
  it('posts version, event, incident and links, signed over the exact body', () => {
    const req = webhookRequest(single(), { url: 'http://h.test/hook', secret: 's3cret' }, 'd-1');
    const body = JSON.parse(req.body);
    expect(Object.keys(body).sort()).toEqual(['event', 'incident', 'links', 'version']);
    expect(body).toMatchObject({
      version: 1,
      event: 'opened',
      incident: { id: 'INC-20261204-ABC123', severity: 'red' },
      links: { ack: 'http://cs.test/a/tok' },
    });
    const expected = createHmac('sha256', 's3cret').update(req.body).digest('hex');
    expect(req.headers['x-citysense-signature']).toBe(`sha256=${expected}`);
    expect(req.headers['x-citysense-delivery']).toBe('d-1');
  });

  it('carries the count of a folded storm', () => {
    const a = notice('opened', incident({ id: 'INC-A' }));
    const b = notice('opened', incident({ id: 'INC-B' }));
    const body = JSON.parse(webhookRequest({ head: b, notices: [a, b] }, { url: 'http://h.test/', secret: 'x' }, 'd').body);
    expect(body.count).toBe(2);
    expect(body.grouped.map((g: { incidentId: string }) => g.incidentId)).toEqual(['INC-A', 'INC-B']);
  });
});

describe('alertmanager', () => {
  it('is a version 4 payload with firing and resolved alerts', () => {
    const firing = notice('opened', incident({ id: 'INC-A' }));
    const done = notice('resolved', incident({ id: 'INC-B', state: 'resolved', resolvedAt: NOW }));
    const body = alertmanagerBody({ head: done, notices: [firing, done] }, 'am', 'http://cs.test') as any;
    expect(body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'am',
      groupLabels: { receiver: 'am' },
      externalURL: 'http://cs.test',
      truncatedAlerts: 0,
    });
    expect(typeof body.groupKey).toBe('string');
    expect(body.alerts).toHaveLength(2);
    expect(body.alerts[0]).toMatchObject({
      status: 'firing',
      labels: { alertname: 'flood', incident: 'INC-A', severity: 'red' },
      endsAt: '0001-01-01T00:00:00Z',
      startsAt: '2026-12-04T08:00:00.000Z',
    });
    expect(body.alerts[1]).toMatchObject({ status: 'resolved', endsAt: new Date(NOW).toISOString() });
    expect(body.commonLabels).toMatchObject({ alertname: 'flood', severity: 'red' });
    expect(body.commonLabels.incident).toBeUndefined();
  });
});

describe('wecom', () => {
  it('is a markdown message whose user text stays text', () => {
    const req = wecomRequest(single(), { url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' });
    const body = JSON.parse(req.body);
    expect(Object.keys(body).sort()).toEqual(['markdown', 'msgtype']);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.content).toContain('INC-20261204-ABC123');
    expect(body.markdown.content).toContain('&lt;b&gt;');
    expect(body.markdown.content).toContain('(http://cs.test/a/tok)');
  });

  it('stays within 4096 bytes', () => {
    const long = notice('opened', incident({ title: '积'.repeat(3000) }));
    expect(Buffer.byteLength(wecomBody(single(long)).markdown.content)).toBeLessThanOrEqual(4096);
  });
});

describe('dingtalk', () => {
  it('signs timestamp\\nsecret with the secret into the query, and posts markdown with title and text', () => {
    const req = dingtalkRequest(single(), { url: 'https://oapi.dingtalk.com/robot/send?access_token=t', secret: 'SECabc' }, NOW);
    const url = new URL(req.url);
    expect(url.searchParams.get('access_token')).toBe('t');
    expect(url.searchParams.get('timestamp')).toBe(String(NOW));
    const sign = createHmac('sha256', 'SECabc').update(`${NOW}\nSECabc`).digest('base64');
    expect(url.searchParams.get('sign')).toBe(sign);
    // URL-encoded on the wire: base64's + / = never appear raw.
    expect(req.url).toContain(`sign=${encodeURIComponent(sign)}`);
    const body = JSON.parse(req.body);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toContain('积水超限');
    expect(body.markdown.text).toContain('INC-20261204-ABC123');
  });

  it('adds no signature without a secret', () => {
    const req = dingtalkRequest(single(), { url: 'https://oapi.dingtalk.com/robot/send?access_token=t' }, NOW);
    expect(new URL(req.url).searchParams.has('sign')).toBe(false);
  });
});

describe('feishu', () => {
  it('puts timestamp (seconds) and sign (HMAC keyed by timestamp\\nsecret over nothing) in the body', () => {
    const req = feishuRequest(single(), { url: 'https://open.feishu.cn/open-apis/bot/v2/hook/x', secret: 'fsec', card: false }, NOW);
    const body = JSON.parse(req.body);
    const ts = Math.floor(NOW / 1000);
    expect(body.timestamp).toBe(String(ts));
    expect(body.sign).toBe(createHmac('sha256', `${ts}\nfsec`).update('').digest('base64'));
    expect(body.msg_type).toBe('text');
    expect(body.content.text).toContain('INC-20261204-ABC123');
  });

  it('sends an interactive card with the acknowledge button', () => {
    const body = JSON.parse(feishuRequest(single(), { url: 'https://open.feishu.cn/x', card: true }, NOW).body);
    expect(body.msg_type).toBe('interactive');
    expect(body.card.header.template).toBe('red');
    expect(body.card.elements[1].actions[0].url).toBe('http://cs.test/a/tok');
    expect(body.sign).toBeUndefined();
  });
});

describe('email', () => {
  it('goes to the person when one is told, else to the list', () => {
    const r = { from: 'citysense <cs@city.test>', to: ['duty@city.test'] };
    expect(emailMessage(single(), r, 'd').to).toEqual(['duty@city.test']);
    const m = emailMessage(single(), r, 'd', 'zhang@city.test');
    expect(m.to).toEqual(['zhang@city.test']);
    expect(m.subject).toContain('积水超限');
    expect(m.text).toContain('http://cs.test/a/tok');
  });
});
