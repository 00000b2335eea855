/** The small stages: validate (drafts -> messages), identify (uuids), resume (state answers), msg_type, send. */
import { describe, expect, it } from 'vitest';
import { validateDrafts } from '../../src/pipeline/validate.js';
import { IdentifyStage } from '../../src/pipeline/identify.js';
import { ResumeStage } from '../../src/pipeline/resume.js';
import { larkMsgType } from '../../src/pipeline/msg-type.js';
import { SendStage } from '../../src/pipeline/send.js';
import { messageBodyTransform } from '../../src/pipeline/transform/index.js';
import { UuidDeriver } from '../../src/message/uuid.js';
import { CONTENT_TYPES, LARK_MSG_TYPES } from '../../src/core/vocabulary.js';
import { ConnectorError, ValidationError } from '../../src/core/errors.js';
import type { LarkClient } from '../../src/lark/client.js';
import type { SendMessageRequest } from '../../src/lark/endpoints/messages.js';

const body = (text: string) => ({ receiveType: 'user', receiveId: 'ou_1', contentType: 'text', content: JSON.stringify({ text }) });

describe('validate stage', () => {
  it('one result per draft: valid bodies, invalid ones with the field, drafts that carry their own error', () => {
    const own = new ValidationError({ code: 'MESSAGE_INVALID', field: 'receiveId', message: 'receiveId: bound field missing' });
    const out = validateDrafts([{ body: body('a') }, { body: { ...body('b'), contentType: 'nope' } }, { error: own }]);
    expect(out[0]).toMatchObject({ ok: true, message: { receiveId: 'ou_1', contentType: 'text' } });
    expect(out[1]).toMatchObject({ ok: false, error: { code: 'MESSAGE_INVALID', field: 'contentType' } });
    expect(out[2]).toEqual({ ok: false, error: own });
  });

  it('names a whole record that is an empty array or not an object, as before the stages', () => {
    expect(validateDrafts(messageBodyTransform([]))[0]).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', message: 'record: empty array: no message' } });
    expect(validateDrafts(messageBodyTransform('hi'))[0]).toMatchObject({
      ok: false,
      error: { message: 'record: expected a message object or an array of them, got string' },
    });
  });
});

describe('identify stage', () => {
  it('gives the uuids the deriver gives, in input order (identical messages differ by occurrence)', () => {
    const stage = new IdentifyStage(new UuidDeriver());
    const reference = new UuidDeriver();
    const m = { receiveType: 'user' as const, receiveId: 'ou_1', contentType: 'text' as const, content: '{"text":"x"}' };
    const ours = [stage.uuidOf(m), stage.uuidOf(m)];
    expect(ours).toEqual([reference.uuidFor(m), reference.uuidFor(m)]);
    expect(ours[0]).not.toBe(ours[1]);
  });
});

describe('resume stage', () => {
  it('send / done / mismatch from what the state knows', () => {
    expect(new ResumeStage(undefined).check(1, 0, 'u')).toEqual({ kind: 'send' });
    const stage = new ResumeStage((line, _i, uuid) => {
      if (line === 2) throw new ConnectorError({ code: 'INPUT_INVALID', message: 'the input differs' });
      return line === 1 && uuid === 'u1' ? 'om_1' : undefined;
    });
    expect(stage.check(1, 0, 'u1')).toEqual({ kind: 'done', messageId: 'om_1' });
    expect(stage.check(3, 0, 'u3')).toEqual({ kind: 'send' });
    expect(stage.check(2, 0, 'u2')).toMatchObject({ kind: 'mismatch', error: { code: 'INPUT_INVALID' } });
  });
});

describe('msg_type', () => {
  it('every input content type of today is sent as the Lark msg_type of the same name', () => {
    for (const t of CONTENT_TYPES) expect(larkMsgType(t)).toBe(t);
    expect(LARK_MSG_TYPES).toContain('interactive');
  });
});

describe('send stage', () => {
  function client(fail?: ConnectorError) {
    const sent: SendMessageRequest[] = [];
    const c = {
      async sendMessage(req: SendMessageRequest) {
        sent.push(req);
        if (fail) throw fail;
        return { messageId: `om_${sent.length}` };
      },
    } as unknown as LarkClient;
    return { c, sent };
  }
  const message = { receiveType: 'user' as const, receiveId: 'ou_1', contentType: 'post' as const, content: '{}' };
  const receiver = { receiveIdType: 'open_id' as const, receiveId: 'ou_1' };

  it('sends with the msg_type and the uuid', async () => {
    const { c, sent } = client();
    await expect(new SendStage(c, new AbortController().signal).send(message, receiver, 'uu')).resolves.toBe('om_1');
    expect(sent[0]).toEqual({ receiveIdType: 'open_id', receiveId: 'ou_1', msgType: 'post', content: '{}', uuid: 'uu' });
  });

  it('after an app-level failure the rest fail fast with the cause, without calling Lark', async () => {
    const { c, sent } = client(new ConnectorError({ code: 'APP_UNAVAILABLE', larkCode: 99991673, message: 'the app is unavailable' }));
    const stage = new SendStage(c, new AbortController().signal);
    await expect(stage.send(message, receiver, 'a')).rejects.toMatchObject({ code: 'APP_UNAVAILABLE' });
    await expect(stage.send(message, receiver, 'b')).rejects.toMatchObject({ code: 'APP_UNAVAILABLE', message: expect.stringContaining('not sent') });
    expect(sent).toHaveLength(1);
  });

  it('a message-level failure does not stop the others; the stop signal does', async () => {
    const { c, sent } = client(new ConnectorError({ code: 'RECEIVER_NOT_FOUND', larkCode: 230013, message: 'no such user' }));
    const stop = new AbortController();
    const stage = new SendStage(c, stop.signal);
    await expect(stage.send(message, receiver, 'a')).rejects.toMatchObject({ code: 'RECEIVER_NOT_FOUND' });
    await expect(stage.send(message, receiver, 'b')).rejects.toMatchObject({ code: 'RECEIVER_NOT_FOUND' });
    stop.abort();
    await expect(stage.send(message, receiver, 'c')).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(sent).toHaveLength(2);
  });
});
