import { type AddressObject, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { PortInUseError } from './net';

/** A message the local SMTP server accepted, as the console's outbox shows it. */
export interface CapturedEmail {
  readonly id: string;
  readonly receivedAt: string;
  readonly from: string;
  readonly to: string[];
  readonly subject: string;
  /** Every header as received, names lower-cased (List-Unsubscribe among them). */
  readonly headers: Record<string, string>;
  readonly html: string;
  readonly text: string;
}

export interface LocalSmtp {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const maxMessageBytes = 10 * 1024 * 1024;

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '')).filter(Boolean);
}

/**
 * The local stand-in for SES: a real SMTP server on loopback (no TLS, no auth: it accepts
 * mail only from this machine) that parses each message and hands it to `keep`, which puts it
 * in the local store. Nothing is relayed anywhere.
 */
export async function startSmtpServer(options: {
  readonly host: string;
  readonly port: number;
  keep(message: CapturedEmail): Promise<void>;
  readonly log?: (line: string) => void;
}): Promise<LocalSmtp> {
  let counter = 0;
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: maxMessageBytes,
    logger: false,
    banner: 'Tailor local SMTP (messages are kept, never relayed)',
    onData(stream, session, callback) {
      simpleParser(stream)
        .then(async (mail) => {
          const headers: Record<string, string> = {};
          for (const line of mail.headerLines) {
            const colon = line.line.indexOf(':');
            headers[line.key] = colon >= 0 ? line.line.slice(colon + 1).trim() : '';
          }
          counter += 1;
          const message: CapturedEmail = {
            id: `${Date.now().toString(36)}-${counter.toString(36)}-${session.id}`,
            receivedAt: new Date().toISOString(),
            from: addresses(mail.from)[0] ?? session.envelope.mailFrom?.toString() ?? '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: mail.subject ?? '',
            headers,
            html: typeof mail.html === 'string' ? mail.html : '',
            text: mail.text ?? '',
          };
          await options.keep(message);
          callback();
        })
        .catch((error: Error) => {
          options.log?.(`smtp: message not kept: ${error.message}`);
          callback(error);
        });
    },
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError('SMTP', options.port, options.host) : error);
    // SMTPServer re-emits its socket server's errors on itself: listen there.
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      server.on('error', (error: Error) => options.log?.(`smtp: ${error.message}`));
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    host: options.host,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
