import { escapeHtml } from '../../shared/http';

/**
 * The pages a reader sees at `/u/{token}`: the confirmation (a form that posts back to the
 * same URL, so a link scanner that only GETs never unsubscribes anyone), the result, and the
 * page of a link that does not exist. English and Chinese; nothing of the user is shown.
 */
export type PageLanguage = 'en' | 'zh';

const strings = {
  en: {
    confirmTitle: 'Unsubscribe',
    confirmText: 'Stop receiving these messages? You will not be sent marketing messages again.',
    confirmButton: 'Unsubscribe',
    doneTitle: 'You are unsubscribed',
    doneText: 'You will not receive these messages again.',
    unknownTitle: 'Link not found',
    unknownText: 'This link is not valid, or it has expired.',
  },
  zh: {
    confirmTitle: '退订',
    confirmText: '确定不再接收这些消息吗？之后将不会再向您发送营销消息。',
    confirmButton: '退订',
    doneTitle: '您已退订',
    doneText: '您将不会再收到这些消息。',
    unknownTitle: '链接无效',
    unknownText: '此链接无效或已过期。',
  },
} as const;

/** The page language: `?lang=` when given, else the first of Accept-Language that is Chinese or English. */
export function pageLanguage(lang: string | undefined, acceptLanguage: string | undefined): PageLanguage {
  if (lang === 'zh' || lang === 'en') return lang;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.trim().toLowerCase();
    if (tag.startsWith('zh')) return 'zh';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

function layout(language: PageLanguage, title: string, content: string): string {
  return `<!doctype html><html lang="${language === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5">
<h1>${escapeHtml(title)}</h1>
${content}
</body></html>`;
}

/** The confirmation: a form posting to `action` (the same `/u/{token}`). */
export function confirmPage(language: PageLanguage, action: string): string {
  const s = strings[language];
  return layout(
    language,
    s.confirmTitle,
    `<p>${escapeHtml(s.confirmText)}</p>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit" style="font-size: 1rem; padding: .5rem 1.25rem">${escapeHtml(s.confirmButton)}</button></form>`,
  );
}

export function donePage(language: PageLanguage): string {
  const s = strings[language];
  return layout(language, s.doneTitle, `<p>${escapeHtml(s.doneText)}</p>`);
}

export function unknownLinkPage(language: PageLanguage): string {
  const s = strings[language];
  return layout(language, s.unknownTitle, `<p>${escapeHtml(s.unknownText)}</p>`);
}
