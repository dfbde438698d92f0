import { type Channel, channelLimits, copyLength, type Language } from '../../model/contract';
import { countSms, type SmsEncoding } from './sms';

/** The parts of a variant every channel renders from. */
export interface CopyParts {
  readonly headline: string;
  readonly body: string;
  readonly callToAction: string;
}

export interface RenderOptions {
  readonly channel: Channel;
  readonly language: Language;
  /** Where the call to action leads (http or https); '#' when the request gives none. */
  readonly ctaUrl?: string;
  /** Email only: the message's open pixel and unsubscribe link (a tracked send has both). */
  readonly tracking?: { readonly openUrl: string; readonly unsubscribeUrl: string };
}

/** A variant as its channel sends it; `channel` tells the shapes apart. */
export type Rendered =
  | { readonly channel: 'push'; readonly title: string; readonly body: string }
  | {
      readonly channel: 'sms';
      readonly text: string;
      readonly encoding: SmsEncoding;
      readonly units: number;
      readonly segments: number;
    }
  | { readonly channel: 'email'; readonly subject: string; readonly html: string; readonly text: string }
  | { readonly channel: 'banner'; readonly headline: string; readonly callToAction: string }
  | { readonly channel: 'social'; readonly markdown: string };

/**
 * Render a variant for its channel. Copy is text: it is escaped for every markup it lands in
 * (HTML in email, Markdown on social), so a product title like `<script>` or `[x](evil)` shows
 * as written and never becomes markup or a link.
 */
export function render(copy: CopyParts, options: RenderOptions): Rendered {
  const url = options.ctaUrl ?? '#';
  switch (options.channel) {
    case 'push':
      return {
        channel: 'push',
        title: truncate(copy.headline, channelLimits.push.headline[options.language], options.language),
        body: copy.body,
      };
    case 'sms': {
      const text = smsText(copy);
      return { channel: 'sms', text, ...countSms(text) };
    }
    case 'email':
      return {
        channel: 'email',
        subject: copy.headline,
        html: emailHtml(copy, options.language, url, options.tracking),
        text: `${copy.headline}\n\n${copy.body}\n\n${copy.callToAction}: ${url}\n${
          options.tracking
            ? `\n${unsubscribeLabel[options.language]}: ${options.tracking.unsubscribeUrl}\n`
            : ''
        }`,
      };
    case 'banner':
      return {
        channel: 'banner',
        headline: truncate(copy.headline, channelLimits.banner.headline[options.language], options.language),
        callToAction: copy.callToAction,
      };
    case 'social':
      return {
        channel: 'social',
        markdown: `**${escapeMarkdown(copy.headline)}**\n\n${escapeMarkdown(copy.body)}\n\n[${escapeMarkdown(copy.callToAction)}](${markdownUrl(url)})\n`,
      };
  }
}

/** An SMS carries the headline, body and call to action on their own lines. */
export function smsText(copy: CopyParts): string {
  return [copy.headline, copy.body, copy.callToAction].join('\n');
}

/**
 * Text cut to a channel's headline limit (characters in Chinese, words in English), ending
 * with an ellipsis when cut. The guardrails already hold copy to the limit; this keeps a render
 * within it whatever it is given.
 */
export function truncate(text: string, limit: number, language: Language): string {
  if (copyLength(text, 'headline', language) <= limit) return text;
  if (language === 'en') return `${text.split(/\s+/).filter(Boolean).slice(0, limit).join(' ')}…`;
  return `${Array.from(text)
    .slice(0, Math.max(0, limit - 1))
    .join('')}…`;
}

const htmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe inside HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => htmlEscapes[c]!);
}

/** Markdown's punctuation backslash-escaped, so text renders literally (CommonMark). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]{}()<>#+!|~]/g, '\\$&');
}

/** A link destination that cannot end the link early. */
function markdownUrl(url: string): string {
  return url.replace(/[()<>\s]/g, (c) => encodeURIComponent(c));
}

const unsubscribeLabel: Record<Language, string> = { en: 'Unsubscribe', zh: '退订' };

function emailHtml(
  copy: CopyParts,
  language: Language,
  url: string,
  tracking: RenderOptions['tracking'],
): string {
  const headline = escapeHtml(copy.headline);
  const body = escapeHtml(copy.body).replace(/\r?\n/g, '<br>');
  return [
    '<!DOCTYPE html>',
    `<html lang="${language === 'zh' ? 'zh-CN' : 'en'}">`,
    `<head><meta charset="utf-8"><title>${headline}</title></head>`,
    '<body style="margin:0;padding:24px;font-family:Arial,Helvetica,sans-serif;color:#222;">',
    `<h1 style="font-size:22px;margin:0 0 12px;">${headline}</h1>`,
    `<p style="font-size:16px;line-height:1.5;margin:0 0 20px;">${body}</p>`,
    `<a href="${escapeHtml(url)}" style="display:inline-block;padding:12px 24px;background:#d0021b;color:#fff;text-decoration:none;border-radius:4px;font-weight:bold;">${escapeHtml(copy.callToAction)}</a>`,
    ...(tracking
      ? [
          `<p style="font-size:12px;color:#888;margin:32px 0 0;"><a href="${escapeHtml(tracking.unsubscribeUrl)}" style="color:#888;">${unsubscribeLabel[language]}</a></p>`,
          `<img src="${escapeHtml(tracking.openUrl)}" width="1" height="1" alt="" style="display:block;border:0;">`,
        ]
      : []),
    '</body>',
    '</html>',
  ].join('\n');
}
