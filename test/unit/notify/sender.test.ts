// Chat robots answer HTTP 200 with an error code in the body: that is a failed attempt.
import { describe, expect, it } from 'vitest';
import { robotError } from '../../../notify/sender.js';

describe('robotError', () => {
  it.each([
    ['wecom', '{"errcode":0,"errmsg":"ok"}', undefined],
    ['wecom', '{"errcode":93000,"errmsg":"invalid webhook url"}', 'wecom error 93000: invalid webhook url'],
    ['dingtalk', '{"errcode":310000,"errmsg":"sign not match"}', 'dingtalk error 310000: sign not match'],
    [
      'feishu',
      '{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}',
      'feishu error 19021: sign match fail or timestamp is not within one hour from current time',
    ],
    ['feishu', '{"StatusCode":0,"StatusMessage":"success"}', undefined],
    ['webhook', '{"errcode":1}', undefined],
    ['dingtalk', 'not json', undefined],
  ] as const)('%s %s', (type, body, want) => {
    expect(robotError(type, body)).toBe(want);
  });
});
