import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capHistory, capTime, renderCap, type CapOptions } from '../../../alerts/cap.js';
import { renderCapFeed } from '../../../alerts/cap-feed.js';
import { alertsInFeed, tag, validateCaps } from './cap-validate.js';
import { type Harness, T0, detection, harness } from './management-helpers.js';

const CAP: CapOptions = { sender: 'citysense.test', senderName: 'citysense', utcOffsetMinutes: 480 };

describe('CAP 1.2', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });
  afterEach(() => h.close());

  it('formats sent with a numeric offset, as the schema pattern requires', () => {
    expect(capTime(T0)).toBe('2026-11-28T08:00:00+00:00');
    expect(capTime(T0 + 999, 480)).toBe('2026-11-28T16:00:00+08:00');
    expect(capTime(T0, -90)).toBe('2026-11-28T06:30:00-01:30');
  });

  it('the Alert, each Update and the Cancel validate against CAP-v1.2.xsd, with references', async () => {
    const inc = h.svc.onDetection(detection({ severity: 'orange' }))!;
    const alert = renderCap(h.svc.get(inc.id)!, h.svc.timeline(inc.id), CAP)!;
    expect(tag(alert, 'msgType')).toEqual(['Alert']);
    expect(tag(alert, 'severity')).toEqual(['Severe']);
    expect(tag(alert, 'category')).toEqual(['Met']);
    expect(tag(alert, 'urgency')).toEqual(['Immediate']);
    expect(tag(alert, 'circle')).toEqual(['31.2304,121.4737 0.5']);
    expect(tag(alert, 'sent')).toEqual(['2026-11-28T16:00:00+08:00']);
    expect(alert).not.toContain('<references>');

    h.clock.now += 60_000;
    h.svc.onDetection(detection({ severity: 'red' })); // severity raised → Update
    h.svc.act(inc.id, { action: 'acknowledge', by: 'op-li' });
    const update = renderCap(h.svc.get(inc.id)!, h.svc.timeline(inc.id), CAP)!;
    expect(tag(update, 'msgType')).toEqual(['Update']);
    expect(tag(update, 'severity')).toEqual(['Extreme']);
    const history = capHistory(h.svc.get(inc.id)!, h.svc.timeline(inc.id), CAP);
    expect(history.map((m) => m.msgType)).toEqual(['Alert', 'Update', 'Update']);
    // references: "sender,identifier,sent" of every earlier message, space separated.
    expect(tag(update, 'references')).toEqual([
      history
        .slice(0, 2)
        .map((m) => `citysense.test,${m.identifier},${m.sent}`)
        .join(' '),
    ]);
    expect(tag(update, 'identifier')).toEqual([history[2]!.identifier]);

    h.svc.act(inc.id, { action: 'false_alarm', by: 'op-li', note: 'sensor splashed' });
    const cancel = renderCap(h.svc.get(inc.id)!, h.svc.timeline(inc.id), CAP)!;
    expect(tag(cancel, 'msgType')).toEqual(['Cancel']);
    expect(tag(cancel, 'references')[0]!.split(' ')).toHaveLength(3);
    expect(tag(cancel, 'urgency')).toEqual(['Past']);
    // Deterministic: the same log gives the same messages.
    expect(renderCap(h.svc.get(inc.id)!, h.svc.timeline(inc.id), CAP)).toBe(cancel);
    expect(await validateCaps({ alert, update, cancel })).toEqual({ alert: [], update: [], cancel: [] });
  });

  it('a manual report without a location gets an areaDesc only, a grid polygon when given, and stays valid', async () => {
    const inc = h.svc.report({
      category: 'gas',
      title: 'smell of gas <& "quotes"> \u0001',
      severity: 'blue',
      grid: 'G-3-4',
      source: 'hotline_12345',
      by: 'op',
    });
    const xml = renderCap(inc, h.svc.timeline(inc.id), CAP)!;
    expect(tag(xml, 'category')).toEqual(['Safety', 'Env']);
    expect(tag(xml, 'certainty')).toEqual(['Likely']);
    expect(tag(xml, 'severity')).toEqual(['Minor']);
    expect(xml).not.toContain('<circle>');
    const square = [
      { lat: 31.23, lon: 121.47 },
      { lat: 31.24, lon: 121.47 },
      { lat: 31.24, lon: 121.48 },
      { lat: 31.23, lon: 121.48 },
    ];
    const withPolygon = renderCap(inc, h.svc.timeline(inc.id), { ...CAP, polygonOf: () => square })!;
    expect(await validateCaps({ xml, withPolygon })).toEqual({ xml: [], withPolygon: [] });
    expect(tag(withPolygon, 'polygon')).toEqual(['31.23,121.47 31.24,121.47 31.24,121.48 31.23,121.48 31.23,121.47']);
  });

  it('the schema validator does refuse a broken message (the check can fail)', async () => {
    const inc = h.svc.onDetection(detection())!;
    const xml = renderCap(inc, h.svc.timeline(inc.id), CAP)!;
    const r = await validateCaps({
      good: xml,
      badType: xml.replace('<msgType>Alert</msgType>', '<msgType>Notice</msgType>'),
      zulu: xml.replace(/<sent>[^<]*<\/sent>/, '<sent>2026-11-28T08:00:00Z</sent>'),
    });
    expect(r.good).toEqual([]);
    expect(r.badType!.join('\n')).toContain('msgType');
    expect(r.zulu!.join('\n')).toContain('sent');
  });

  it("the Atom feed carries each incident's latest message, each valid CAP", async () => {
    const a = h.svc.onDetection(detection())!;
    h.clock.now += 1000;
    const b = h.svc.onDetection(detection({ dedupKey: 'water-high:sensor-002', deviceId: 'sensor-002', grid: 'G-9-9' }))!;
    h.svc.act(b.id, { action: 'false_alarm', by: 'op' });
    const feed = renderCapFeed(
      [a, b].map((i) => ({ incident: h.svc.get(i.id)!, events: h.svc.timeline(i.id) })),
      { ...CAP, self: '/api/cap', now: h.clock.now },
    );
    expect(feed).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    const alerts = alertsInFeed(feed);
    expect(alerts).toHaveLength(2);
    expect(alerts.map((x) => tag(x, 'msgType')[0])).toEqual(['Cancel', 'Alert']); // newest first
    expect(await validateCaps({ a0: alerts[0]!, a1: alerts[1]! })).toEqual({ a0: [], a1: [] });
  });
});
