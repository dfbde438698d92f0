import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Transporter } from 'nodemailer';
import { TailorError } from '../../../core/errors';

/**
 * The sender port: one email out, one provider message id back. Two adapters implement it:
 * Amazon SES (SESv2 API, a configuration set whose event destinations bring bounces and
 * complaints back) on AWS, and SMTP for anything else (the local SMTP server, SES SMTP,
 * Postmark, a company relay). Neither logs the recipient's address.
 */
export interface EmailMessage {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** Extra headers (List-Unsubscribe and List-Unsubscribe-Post among them). */
  readonly headers: Readonly<Record<string, string>>;
  /** Which send this is, so bounce and complaint notifications find their way back. */
  readonly tags: Readonly<{ campaignId: string; impressionId: string }>;
}

export interface EmailSender {
  send(message: EmailMessage): Promise<{ readonly messageId: string }>;
}

/** The provider asked us to slow down: the send step retries with back-off (Step Functions Retry). */
export class SendThrottledError extends TailorError {
  override readonly statusCode = 429;
  override readonly code = 'SendThrottled';
}

/** The provider refused this message for good (an invalid address, a rejected message). */
export class SendRejectedError extends TailorError {
  override readonly statusCode = 422;
  override readonly code = 'SendRejected';
}

const sesThrottles = new Set(['TooManyRequestsException', 'LimitExceededException', 'ThrottlingException']);
const sesRejections = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'BadRequestException',
]);

/** Amazon SES through the SESv2 API. */
export class SesSender implements EmailSender {
  constructor(
    private readonly client: SESv2Client,
    private readonly configurationSet?: string,
  ) {}

  async send(message: EmailMessage): Promise<{ messageId: string }> {
    try {
      const out = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: message.from,
          Destination: { ToAddresses: [message.to] },
          ConfigurationSetName: this.configurationSet,
          EmailTags: [
            { Name: 'campaignId', Value: sesTag(message.tags.campaignId) },
            { Name: 'impressionId', Value: sesTag(message.tags.impressionId) },
          ],
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: 'UTF-8' },
              Body: {
                Html: { Data: message.html, Charset: 'UTF-8' },
                Text: { Data: message.text, Charset: 'UTF-8' },
              },
              Headers: Object.entries(message.headers).map(([Name, Value]) => ({ Name, Value })),
            },
          },
        }),
      );
      return { messageId: out.MessageId ?? '' };
    } catch (error) {
      const name = (error as Error).name;
      if (sesThrottles.has(name)) throw new SendThrottledError(`SES throttled the send (${name})`);
      if (sesRejections.has(name)) throw new SendRejectedError(`SES rejected the message (${name})`);
      throw error;
    }
  }
}

/** SES tag values allow letters, digits, `_`, `-`, `.`, `@` only. */
function sesTag(value: string): string {
  return value.replace(/[^\w.@-]/g, '_').slice(0, 256);
}

/** Any SMTP relay, through nodemailer. */
export class SmtpSender implements EmailSender {
  constructor(private readonly transport: Transporter) {}

  async send(message: EmailMessage): Promise<{ messageId: string }> {
    try {
      const info = await this.transport.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        html: message.html,
        text: message.text,
        headers: {
          ...message.headers,
          'X-Tailor-Campaign': message.tags.campaignId,
          'X-Tailor-Impression': message.tags.impressionId,
        },
      });
      return { messageId: String(info.messageId ?? '') };
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      // 421 and 45x are SMTP's "try again later"; 55x are permanent refusals.
      if (code === 421 || (code !== undefined && code >= 450 && code < 460)) {
        throw new SendThrottledError(`the SMTP relay deferred the message (${code})`);
      }
      if (code !== undefined && code >= 550 && code < 560) {
        throw new SendRejectedError(`the SMTP relay refused the message (${code})`);
      }
      throw error;
    }
  }
}
