// Secret references: the environment, a file, or the text itself; a missing one names its field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotifyConfig } from '../../../notify/config.js';
import { resolveSecrets } from '../../../notify/secrets.js';

const file = join(mkdtempSync(join(tmpdir(), 'notify-secret-')), 'secret');
writeFileSync(file, 'from-file\n');
const config = NotifyConfig.parse({
  receivers: [
    { name: 'a', type: 'webhook', url: 'http://h.test/', secret: '${HOOK_SECRET}' },
    { name: 'b', type: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=${DING_TOKEN}', secret: `file:${file}` },
    { name: 'c', type: 'wecom', url: 'https://qyapi.weixin.qq.com/x?key=literal' },
  ],
});

describe('resolveSecrets', () => {
  it('reads the environment, files, and URL placeholders', () => {
    const r = resolveSecrets(config, { HOOK_SECRET: 'env-secret', DING_TOKEN: 'a b' });
    expect(r.receivers[0]).toMatchObject({ secret: 'env-secret' });
    expect(r.receivers[1]).toMatchObject({ secret: 'from-file', url: 'https://oapi.dingtalk.com/robot/send?access_token=a%20b' });
    expect(r.receivers[2]).toMatchObject({ url: 'https://qyapi.weixin.qq.com/x?key=literal' });
  });

  it.each([
    [{ DING_TOKEN: 't' }, 'notify.receivers.0.secret: environment variable HOOK_SECRET is not set'],
    [{ HOOK_SECRET: 's' }, 'notify.receivers.1.url: environment variable DING_TOKEN is not set'],
  ])('names the field of a missing one', (env, message) => {
    expect(() => resolveSecrets(config, env)).toThrow(message);
  });
});
