import { SESv2Client, SendEmailCommand, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import nodemailer from 'nodemailer';
import { composeEmail } from '../../../../functions/optimize/delivery/compose';
import { SendThrottledError, SesSender, SmtpSender } from '../../../../functions/optimize/delivery/sender';
import { messageLinks } from '../../../../functions/optimize/links/token';
import { type CapturedEmail, type LocalSmtp, startSmtpServer } from '../../../../local/smtp';

const links = messageLinks('http://127.0.0.1:3000', Buffer.alloc(32, 1), {
  campaignId: 'cmp-1',
  impressionId: 'imp-1',
});
const message = composeEmail({
  copy: { headline: 'Linen <shirts> are back', body: 'Breathable linen, £25.00.', callToAction: 'Shop now' },
  language: 'en',
  links,
  from: 'Shop <news@shop.example>',
  to: 'ada@example.com',
  tags: { campaignId: 'cmp-1', impressionId: 'imp-1' },
});

describe('composing a tracked email', () => {
  it('sends the call to action through the click link and carries the pixel and unsubscribe link', () => {
    expect(message.html).toContain(`href="${links.click}"`);
    expect(message.html).toContain(`src="${links.open}"`);
    expect(message.html).toContain(`href="${links.unsubscribe}"`);
    expect(message.html).toContain('Linen &lt;shirts&gt; are back');
    expect(message.text).toContain(`Unsubscribe: ${links.unsubscribe}`);
  });

  it('has RFC 8058 one-click unsubscribe headers', () => {
    expect(message.headers).toEqual({
      'List-Unsubscribe': `<${links.unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  it('labels the unsubscribe link in Chinese for Chinese copy', () => {
    const zh = composeEmail({
      copy: { headline: '亚麻衬衫', body: '透气亚麻。', callToAction: '去看看' },
      language: 'zh',
      links,
      from: 'news@shop.example',
      to: 'u@example.com',
      tags: { campaignId: 'c', impressionId: 'i' },
    });
    expect(zh.html).toContain('>退订</a>');
  });
});

describe('the SMTP sender against the local SMTP server', () => {
  let smtp: LocalSmtp;
  const kept: CapturedEmail[] = [];
  beforeAll(async () => {
    smtp = await startSmtpServer({ host: '127.0.0.1', port: 0, keep: async (m) => void kept.push(m) });
  });
  afterAll(() => smtp.close());

  it('delivers the message with its headers, HTML and text intact', async () => {
    const transport = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: false });
    const sender = new SmtpSender(transport);
    const { messageId } = await sender.send(message);
    expect(messageId).toMatch(/@/);
    expect(kept).toHaveLength(1);
    const got = kept[0]!;
    expect(got.to).toEqual(['ada@example.com']);
    expect(got.from).toBe('news@shop.example');
    expect(got.subject).toBe('Linen <shirts> are back');
    expect(got.headers['list-unsubscribe']).toBe(`<${links.unsubscribe}>`);
    expect(got.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(got.headers['x-tailor-impression']).toBe('imp-1');
    expect(got.html).toContain(links.click);
    expect(got.text).toContain('£25.00');
  });

  it('fails to start on a taken port with a one-line message', async () => {
    await expect(
      startSmtpServer({ host: '127.0.0.1', port: smtp.port, keep: async () => undefined }),
    ).rejects.toThrow(/port \d+ on 127\.0\.0\.1 is taken \(wanted for SMTP\)/);
  });
});

describe('the SES sender', () => {
  const ses = mockClient(SESv2Client);
  afterEach(() => ses.reset());

  it('sends through SESv2 with the configuration set, headers and tags', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    const sender = new SesSender(new SESv2Client({ region: 'us-east-1' }), 'tailor-events');
    await expect(sender.send(message)).resolves.toEqual({ messageId: 'ses-1' });
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input.ConfigurationSetName).toBe('tailor-events');
    expect(input.Destination?.ToAddresses).toEqual(['ada@example.com']);
    expect(input.Content?.Simple?.Headers).toContainEqual({
      Name: 'List-Unsubscribe-Post',
      Value: 'List-Unsubscribe=One-Click',
    });
    expect(input.EmailTags).toContainEqual({ Name: 'impressionId', Value: 'imp-1' });
  });

  it('turns SES throttling into SendThrottledError, which the send step retries', async () => {
    ses.on(SendEmailCommand).rejects(new TooManyRequestsException({ message: 'slow down', $metadata: {} }));
    const sender = new SesSender(new SESv2Client({ region: 'us-east-1' }));
    await expect(sender.send(message)).rejects.toThrow(SendThrottledError);
  });
});
