// Public face of notify/: notifications of incident changes to people outside the console
// (receivers, routes, duty rosters, signed acknowledge links, a persistent outbox).
export { NotifyConfig, type NotifyConfigInput, Receiver, NotifyRoute, Roster, NOTIFY_EVENTS } from './config.js';
export { resolveSecrets } from './secrets.js';
export { SecretError } from './errors.js';
export { createNotifier, type Notifier, type NotifierOptions } from './notifier.js';
export { notifyRoutes, ackRoutes } from './http.js';
export { signLink, verifyLink, LinkClaims } from './ack-link.js';
export { webhookSignature, dingtalkSign, feishuSign } from './payloads/index.js';
export { NOTIFY_DB_FILE_NAME } from './outbox.js';
