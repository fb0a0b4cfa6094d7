// Labels of the map, device, silences and rules views (merged into i18n.js's dictionaries; kept
// apart so the views' words live beside each other).
export const zh = {
  mapAttribution: '示意底图（演示城市）', deviceOnline: '在线', deviceOffline: '离线', sensor: '传感器', camera: '摄像头', drone: '无人机',
  devices: '设备', back: '返回', range: '时段', deviceUnknown: '设备列表中没有该设备', kind: '类型', registered: '已登记', unregistered: '未登记',
  connected: '已连接', lastSeen: '最近上报', openIncidents: '未结事件',
  silences: '静默', rules: '规则', newSilence: '新建静默', silenceCreated: '已静默', createSilence: '静默', silenceHint: '匹配项至少填一项，可用 * 和 ? 通配；各项同时满足才静默。',
  needMatcher: '至少填写一个匹配项（设备、网格、区、规则或类别）', needCreatedBy: '请填写静默人', needComment: '请说明原因', needEndsAt: '请填写结束时间', endsAtPast: '结束时间须晚于现在',
  noSilences: '暂无静默', id: '编号', matchers: '匹配项', comment: '原因', createdBy: '静默人', endsAt: '结束时间', expiredBy: '解除人', expire: '解除',
  silence_pending: '未开始', silence_active: '生效中', silence_expired: '已结束', rule: '规则',
  openFlows: '在 Node-RED 中编辑', flowsOff: 'Node-RED 未启用', ruleSetVersion: '规则集版本', version: '版本', enabled: '启用', noRules: '暂无规则',
};

export const en = {
  mapAttribution: 'schematic base map (demo city)', deviceOnline: 'online', deviceOffline: 'offline', sensor: 'sensor', camera: 'camera', drone: 'drone',
  devices: 'Devices', back: 'Back', range: 'Range', deviceUnknown: 'This device is not in the device list', kind: 'Kind', registered: 'registered', unregistered: 'unregistered',
  connected: 'connected', lastSeen: 'Last seen', openIncidents: 'Open incidents',
  silences: 'Silences', rules: 'Rules', newSilence: 'New silence', silenceCreated: 'Silenced', createSilence: 'Silence', silenceHint: 'Fill at least one matcher; * and ? are wildcards; all given matchers must match.',
  needMatcher: 'Give at least one matcher (device, grid, district, rule or category)', needCreatedBy: 'Say who silences', needComment: 'Say why', needEndsAt: 'Give an end time', endsAtPast: 'The end time must be in the future',
  noSilences: 'No silences', id: 'Id', matchers: 'Matchers', comment: 'Reason', createdBy: 'Silenced by', endsAt: 'Ends at', expiredBy: 'ended by', expire: 'Expire',
  silence_pending: 'pending', silence_active: 'active', silence_expired: 'expired', rule: 'Rule',
  openFlows: 'Edit in Node-RED', flowsOff: 'Node-RED is off', ruleSetVersion: 'Rule set version', version: 'Version', enabled: 'Enabled', noRules: 'No rules',
};
