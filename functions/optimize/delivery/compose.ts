import type { Language } from '../../../model/contract';
import { type CopyParts, render } from '../../generate/render';
import type { MessageLinks } from '../links/token';
import type { EmailMessage } from './sender';

export interface ComposeInput {
  readonly copy: CopyParts;
  readonly language: Language;
  readonly links: MessageLinks;
  readonly from: string;
  readonly to: string;
  readonly tags: EmailMessage['tags'];
}

/**
 * A tracked email: the call to action goes through the click link, the open pixel and the
 * unsubscribe link sit in the body, and the one-click unsubscribe headers of RFC 8058 let a
 * mail client unsubscribe without opening anything (a POST to the same link).
 */
export function composeEmail(input: ComposeInput): EmailMessage {
  const rendered = render(input.copy, {
    channel: 'email',
    language: input.language,
    ctaUrl: input.links.click,
    tracking: { openUrl: input.links.open, unsubscribeUrl: input.links.unsubscribe },
  });
  if (rendered.channel !== 'email') throw new Error('email render returned another channel');
  return {
    from: input.from,
    to: input.to,
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    headers: {
      'List-Unsubscribe': `<${input.links.unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    tags: input.tags,
  };
}
