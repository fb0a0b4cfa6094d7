// Where the service can be reached, and what `citysense start` prints (DESIGN.md: it prints
// the console URL with an operator token).
import type { Config } from './config.js';

export interface ServiceUrls {
  http: string;
  /** The operator console, logged in by its `?token=`. */
  console: string;
  ws: string;
  mqtt: string;
  mqttWs: string;
  flows?: string;
}

/** The URLs of a running service; wildcard hosts are shown as loopback. */
export function serviceUrls(
  config: Config,
  ports: { http: number; mqttPort: number; wsPort: number },
  token: string,
  tls: boolean,
  flowsPrefix?: string,
): ServiceUrls {
  const host = (h: string) => (h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h);
  const s = tls ? 's' : '';
  const http = `http${s}://${host(config.http.host)}:${ports.http}`;
  return {
    http,
    console: `${http}/?token=${token}`,
    ws: `ws${s}://${host(config.http.host)}:${ports.http}/ws`,
    mqtt: `mqtt${s}://${host(config.mqtt.host)}:${ports.mqttPort}`,
    mqttWs: `ws${s}://${host(config.mqtt.host)}:${ports.wsPort}/mqtt`,
    ...(flowsPrefix ? { flows: `${http}${flowsPrefix}/` } : {}),
  };
}

/** The start-up banner. */
export function renderBanner(urls: ServiceUrls, token: string, config: Config, verifierToken?: string): string {
  return [
    '',
    'citysense is running',
    `  console         ${urls.console}`,
    `  API             ${urls.http}`,
    `  WebSocket       ${urls.ws}`,
    `  MQTT            ${urls.mqtt}   (over WebSocket: ${urls.mqttWs})`,
    `  operator token  ${token}`,
    urls.flows
      ? `  Node-RED        ${urls.flows}   (user ${config.flows.user}, password ${config.flows.password ? 'as configured (CITYSENSE_FLOWS_PASSWORD)' : 'the operator token'})`
      : '',
    `  try:  curl -H "Authorization: Bearer ${token}" ${urls.http}/api/incidents`,
    verifierToken
      ? `  verifier        ${urls.http}/?token=${verifierToken}   (核查结案: a close must come from someone other than the responder)`
      : '',
    config.demo ? '  demo simulation on (CITYSENSE_DEMO=0 turns it off)' : '',
    '',
  ].join('\n');
}
