// The devices of a grouped incident (alerts/grouping.ts): each with its first and last
// detection, and whether it came back, so one card can stand for a whole gateway outage.
import { clock, h } from './dom.js';
import { t } from './i18n.js';

/** A table of inc.members, or null for an incident of one device. */
export function membersTable(inc) {
  const members = inc.members ?? [];
  if (!members.length) return null;
  return h(
    'details',
    { class: 'members', open: members.length <= 12 },
    h('summary', {}, `${t('members')}: ${members.length}`),
    h(
      'table',
      { class: 'table' },
      h('tr', {}, h('th', {}, t('device')), h('th', {}, t('firstTs')), h('th', {}, t('lastTs')), h('th', {}, '')),
      members.map((m) =>
        h(
          'tr',
          { 'data-member': m.deviceId },
          h('td', { class: 'mono' }, m.deviceId),
          h('td', { class: 'mono' }, clock(m.firstTs)),
          h('td', { class: 'mono' }, clock(m.lastTs)),
          h('td', {}, m.clearedTs ? `${t('cameBack')} ${clock(m.clearedTs)}` : ''),
        ),
      ),
    ),
  );
}
