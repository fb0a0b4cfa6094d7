// zh-CN (default) and English labels. Elements with data-i18n="key" are relabelled on a switch;
// code calls t(key) for what it builds.
import * as views from './i18n-views.js';
const zh = {
  brand: '城市感知预警 · 值班台',
  login: '登录', token: '值班令牌', operator: '值班员', logout: '退出', loginHint: '令牌见服务启动时打印的 operator token。',
  badToken: '令牌无效', monitor: '监控', report: '吹哨', evaluation: '综合评价',
  live: '已连接', connecting: '连接中', reconnecting: '重连中', offline: '已断开', reconnectNow: '立即重连',
  sound: '声音', alerts: '实时告警', filters: '筛选', apply: '应用', clear: '清除',
  category: '类别', district: '区', grid: '网格', severity: '级别', all: '全部',
  red: '红色 I 特别严重', orange: '橙色 II 严重', yellow: '黄色 III 较重', blue: '蓝色 IV 一般',
  sev_red: '红', sev_orange: '橙', sev_yellow: '黄', sev_blue: '蓝',
  warning: '预警', acknowledged: '已接警', dispatched: '处置中', resolved: '已反馈', closed: '已结案', reviewed: '已复盘', false_alarm: '误报',
  board: '事件看板', noIncidents: '暂无', overdue: '超时', dueIn: '剩余', ackBy: '接警时限', arriveBy: '到场时限', resolveBy: '办结时限',
  acknowledge: '接警', dispatch: '派遣', feedback: '处置反馈', close: '核查结案', reopen: '返工', false_alarm_action: '误报', review: '复盘',
  department: '责任部门', note: '说明', responder: '处置人', verifier: '核查人', submit: '提交', cancel: '取消',
  sameVerifier: '核查人不能是处置反馈人', timeline: '时间线', telemetry: '遥测', map: '地图', cap: 'CAP', reviewTab: '复盘',
  noTelemetry: '该时段无遥测数据', rootCause: '根本原因', lessons: '经验教训', actions: '改进措施', action: '措施', owner: '负责人', due: '期限',
  addAction: '添加措施', exportMd: '导出 Markdown', notReviewed: '结案后可复盘', metrics: '处置时效',
  tAck: '接警用时', tDispatch: '派遣用时', tResolve: '反馈用时', tClose: '结案用时', deadlineMet: '按期', yes: '是', no: '否',
  reportTitle: '社区吹哨：人工上报事件', title: '标题', description: '描述', source: '来源', by: '上报人', place: '位置',
  lat: '纬度', lon: '经度', pickOnMap: '在地图上点选位置，或填写经纬度或网格', sent: '已上报',
  grid_worker: '网格员', patrol: '巡查', hotline_12345: '12345 热线', citizen: '市民',
  groupBy: '维度', from: '起', to: '止', load: '查询', incidents: '事件数', noEvaluation: '暂无数据',
  by_department: '部门', by_district: '区', by_grid: '网格', by_rule: '规则',
  device: '设备', value: '数值', opened: '立案', detection: '再次检测', escalated: '升级', cleared: '解除',
  reopened: '返工', lastSeq: '序号', close_panel: '关闭', state: '状态', lang: 'English', flood: '内涝', fire: '火情', gas: '燃气',
  public_order: '治安', traffic: '交通', other: '其他', deviceCat: '设备', created: '发生时间', error: '出错',
  group: '对象', period: '月份', manual: '人工上报', closureRate: '结案率', onTimeRate: '按期处置率', reworkRate: '返工率', falseAlarmRate: '误报率',
  timeToAcknowledgeMs: '接警用时', timeToDispatchMs: '派遣用时', timeToResolveMs: '办结用时', satisfaction: '满意度',
  followUp: '回访满意度', onTimeSplit: '按期（值班 / 部门）', operatorPart: '值班', departmentPart: '部门', wholeRange: '整段', byMonth: '按月',
  follow_up_sent: '已发回访链接', follow_up: '市民回访',
  familiesTitle: '综合评价指数：安全·韧性·健康 / 干净·整洁·有序 / 高效·精准·满意', overall: '总分', familyScore: '小计',
  showFewer: '收起', select: '选择', deviceCount: '台设备', picked: '已选', pickShown: '全选筛选结果', silence: '静默', silenceWhy: '静默原因（必填）',
  needSilenceReason: '静默需填写原因（comment）', noRuleToSilence: '人工上报事件没有可静默的规则', done_acknowledge: '已接警', done_false_alarm: '已标记误报', done_silence: '已静默',
  searchBoard: '搜索：事件编号、设备、网格', members: '涉及设备', firstTs: '首次检测', lastTs: '最近检测', cameBack: '已恢复', joined: '新设备加入',
  missing: '请填写', needDue: '措施需填写期限', needOwner: '措施需填写负责人', needAction: '措施需填写内容', row: '第{n}行',
  needTitle: '请填写标题', needBy: '请填写上报人', needPlace: '请在地图上选择网格或填写经纬度', badLatLon: '经纬度需同时填写且在范围内',
};

const en = {
  brand: 'citysense · operator console',
  login: 'Sign in', token: 'Operator token', operator: 'Operator', logout: 'Sign out', loginHint: 'The token is the operator token printed at start-up.',
  badToken: 'Wrong token', monitor: 'Monitor', report: 'Report', evaluation: 'Evaluation',
  live: 'Live', connecting: 'Connecting', reconnecting: 'Reconnecting', offline: 'Offline', reconnectNow: 'Reconnect now',
  sound: 'Sound', alerts: 'Live alerts', filters: 'Filters', apply: 'Apply', clear: 'Clear',
  category: 'Category', district: 'District', grid: 'Grid', severity: 'Severity', all: 'All',
  red: 'Red I Extreme', orange: 'Orange II Severe', yellow: 'Yellow III Moderate', blue: 'Blue IV Minor',
  sev_red: 'Red', sev_orange: 'Orange', sev_yellow: 'Yellow', sev_blue: 'Blue',
  warning: 'Warning', acknowledged: 'Acknowledged', dispatched: 'Dispatched', resolved: 'Resolved', closed: 'Closed', reviewed: 'Reviewed', false_alarm: 'False alarm',
  board: 'Incident board', noIncidents: 'none', overdue: 'Overdue', dueIn: 'due in', ackBy: 'Acknowledge by', arriveBy: 'Arrive by', resolveBy: 'Resolve by',
  acknowledge: 'Acknowledge', dispatch: 'Dispatch', feedback: 'Feedback', close: 'Verify & close', reopen: 'Reopen', false_alarm_action: 'False alarm', review: 'Review',
  department: 'Department', note: 'Note', responder: 'Responder', verifier: 'Verifier', submit: 'Submit', cancel: 'Cancel',
  sameVerifier: 'The verifier must not be the responder', timeline: 'Timeline', telemetry: 'Telemetry', map: 'Map', cap: 'CAP', reviewTab: 'Review',
  noTelemetry: 'No telemetry in this window', rootCause: 'Root cause', lessons: 'Lessons', actions: 'Actions', action: 'Action', owner: 'Owner', due: 'Due',
  addAction: 'Add action', exportMd: 'Export Markdown', notReviewed: 'Review once closed', metrics: 'Response times',
  tAck: 'To acknowledge', tDispatch: 'To dispatch', tResolve: 'To resolve', tClose: 'To close', deadlineMet: 'Deadlines met', yes: 'yes', no: 'no',
  reportTitle: 'Community whistle: report an incident', title: 'Title', description: 'Description', source: 'Source', by: 'Reported by', place: 'Place',
  lat: 'Latitude', lon: 'Longitude', pickOnMap: 'Click the map, or enter lat/lon or a grid', sent: 'Reported',
  grid_worker: 'Grid worker', patrol: 'Patrol', hotline_12345: '12345 hotline', citizen: 'Citizen',
  groupBy: 'Group by', from: 'From', to: 'To', load: 'Load', incidents: 'Incidents', noEvaluation: 'No data',
  by_department: 'Department', by_district: 'District', by_grid: 'Grid', by_rule: 'Rule',
  device: 'Device', value: 'Value', opened: 'Opened', detection: 'Detection', escalated: 'Escalated', cleared: 'Cleared',
  reopened: 'Reopened', lastSeq: 'seq', close_panel: 'Close', state: 'State', lang: '中文', flood: 'Flood', fire: 'Fire', gas: 'Gas',
  public_order: 'Public order', traffic: 'Traffic', other: 'Other', deviceCat: 'Device', created: 'Created', error: 'Error',
  group: 'Group', period: 'Month', manual: 'Manual reports', closureRate: 'Closure rate', onTimeRate: 'On-time rate', reworkRate: 'Rework rate', falseAlarmRate: 'False-alarm rate',
  timeToAcknowledgeMs: 'Time to acknowledge', timeToDispatchMs: 'Time to dispatch', timeToResolveMs: 'Time to resolve', satisfaction: 'Satisfaction',
  followUp: 'Resident satisfaction', onTimeSplit: 'On time (operator / department)', operatorPart: 'operator', departmentPart: 'department', wholeRange: 'Whole range', byMonth: 'By month',
  follow_up_sent: 'Follow-up link sent', follow_up: 'Resident follow-up',
  familiesTitle: 'Scores by indicator family: safe·resilient·healthy / clean·tidy·orderly / efficient·precise·satisfying', overall: 'Overall', familyScore: 'Family',
  showFewer: 'Show fewer', select: 'Select', deviceCount: 'devices', picked: 'Selected', pickShown: 'Select all shown', silence: 'Silence', silenceWhy: 'Why silence (required)',
  needSilenceReason: 'A silence needs a reason (comment)', noRuleToSilence: 'a manual report has no rule to silence', done_acknowledge: 'acknowledged', done_false_alarm: 'marked false alarm', done_silence: 'silenced',
  searchBoard: 'Search: incident id, device, grid', members: 'Devices', firstTs: 'First detected', lastTs: 'Last detected', cameBack: 'back', joined: 'Device joined',
  missing: 'Missing', needDue: 'an action needs a due date', needOwner: 'an action needs an owner', needAction: 'an action needs a description', row: 'row {n}',
  needTitle: 'Enter a title', needBy: 'Enter who reports', needPlace: 'Pick a grid cell on the map or enter lat/lon', badLatLon: 'Latitude and longitude go together and must be in range',
};

const dictionaries = { 'zh-CN': { ...zh, ...views.zh }, en: { ...en, ...views.en } };
let current = sessionStorage.getItem('citysense.lang') === 'en' ? 'en' : 'zh-CN';

/** The label for key in the current language (the key itself when unknown). */
export const t = (key) => dictionaries[current][key] ?? key;

/** The current language: 'zh-CN' or 'en'. */
export const lang = () => current;

/** Switch language, relabel static elements, remember the choice for this session. */
export function setLang(next) {
  current = next === 'en' ? 'en' : 'zh-CN';
  sessionStorage.setItem('citysense.lang', current);
  document.documentElement.lang = current;
  relabel(document);
}

/** Apply labels to [data-i18n] (text) and [data-i18n-ph] (placeholder) under root. */
export function relabel(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-ph]')) el.placeholder = t(el.dataset.i18nPh);
}

// The page's own words, for the test that keeps them apart from the views' (a shared key would be overridden silently).
export { zh, en };
