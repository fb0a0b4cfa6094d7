// The notify example in docs/notifications.md is a config people copy: it must parse and validate as written.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NotifyConfig } from '../../../notify/config.js';
import { resolveSecrets } from '../../../notify/secrets.js';

const readme = readFileSync(new URL('../../../docs/notifications.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## A department with a roster and two channels'));
const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

describe('docs/notifications.md notify example', () => {
  it('is a valid notify block once its secrets are set', () => {
    const parsed = NotifyConfig.safeParse(parse(yaml).notify);
    expect(parsed.error?.issues ?? []).toEqual([]);
    const config = resolveSecrets(parsed.data!, { WECOM_WATER_KEY: 'k1', SMTP_PASSWORD: 'p1' });
    expect(config.receivers.map((r) => r.type)).toEqual(['wecom', 'email']);
    expect(config.receivers[0]).toMatchObject({ url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1' });
    expect(config.rosters[0]!.people).toHaveLength(4);
  });
});
