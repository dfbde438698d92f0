import { escapeMarkdown, render } from '../../../functions/generate/render';
import { countSms } from '../../../functions/generate/sms';

const hostile = {
  headline: '<script>alert("x")</script> & "Tee"',
  body: "Rock'n'roll <img src=x onerror=alert(1)> tee, now 19.",
  callToAction: 'Shop <b>now</b>',
};

describe('SMS segment counting', () => {
  it('fits 160 GSM-7 characters in one segment and splits 161 into two of 153', () => {
    expect(countSms('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSms('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(countSms('a'.repeat(306)).segments).toBe(2);
    expect(countSms('a'.repeat(307)).segments).toBe(3);
  });

  it('counts GSM-7 extension characters such as € and [ as two', () => {
    expect(countSms('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSms(`${'a'.repeat(159)}€`).segments).toBe(2);
  });

  it('switches to UCS-2 for Chinese: 70 in one segment, 67 per segment after', () => {
    expect(countSms('好'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(countSms('好'.repeat(71))).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
    expect(countSms('好'.repeat(134)).segments).toBe(2);
    expect(countSms('好'.repeat(135)).segments).toBe(3);
  });

  it('switches a whole English message to UCS-2 for one emoji, which takes two units', () => {
    expect(countSms(`${'a'.repeat(68)}🎉`)).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    // 66 units then an emoji that would straddle the 67-unit boundary moves whole to segment 2.
    expect(countSms(`${'a'.repeat(66)}🎉${'a'.repeat(67)}`).segments).toBe(3);
  });
});

describe('render', () => {
  it('escapes HTML in the email subject, body and call to action, keeping a plain-text part', () => {
    const email = render(hostile, {
      channel: 'email',
      language: 'en',
      ctaUrl: 'https://shop.example/p?a=1&b=2',
    });
    if (email.channel !== 'email') throw new Error('expected email');
    expect(email.subject).toBe(hostile.headline);
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<img');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Tee&quot;');
    expect(email.html).toContain('Rock&#39;n&#39;roll &lt;img src=x onerror=alert(1)&gt;');
    expect(email.html).toContain('href="https://shop.example/p?a=1&amp;b=2"');
    expect(email.html).toContain('>Shop &lt;b&gt;now&lt;/b&gt;</a>');
    expect(email.text).toBe(
      `${hostile.headline}\n\n${hostile.body}\n\n${hostile.callToAction}: https://shop.example/p?a=1&b=2\n`,
    );
  });

  it('renders an SMS as plain lines with its encoding and segment count', () => {
    const sms = render(
      { headline: '新品上架', body: '轻盈跑鞋现价299。', callToAction: '去看看' },
      { channel: 'sms', language: 'zh' },
    );
    expect(sms).toEqual({
      channel: 'sms',
      text: '新品上架\n轻盈跑鞋现价299。\n去看看',
      encoding: 'UCS-2',
      units: 19,
      segments: 1,
    });
  });

  it('keeps a push title within the channel limit', () => {
    const push = render(
      { headline: 'one two three four five six seven eight nine ten', body: 'Now 19.', callToAction: 'Buy' },
      { channel: 'push', language: 'en' },
    );
    expect(push).toEqual({
      channel: 'push',
      title: 'one two three four five six seven eight…',
      body: 'Now 19.',
    });
  });

  it('renders a banner as a short headline and a call to action', () => {
    expect(
      render(
        { headline: '夏日新品', body: '正文', callToAction: '去看看' },
        { channel: 'banner', language: 'zh' },
      ),
    ).toEqual({ channel: 'banner', headline: '夏日新品', callToAction: '去看看' });
  });

  it('escapes Markdown in social copy so product text cannot become a link or emphasis', () => {
    const social = render(
      { headline: 'New *Tee*', body: 'See [this](https://evil.example) now.', callToAction: 'Shop now' },
      { channel: 'social', language: 'en', ctaUrl: 'https://shop.example/t' },
    );
    expect(social).toEqual({
      channel: 'social',
      markdown:
        '**New \\*Tee\\***\n\nSee \\[this\\]\\(https://evil.example\\) now.\n\n[Shop now](https://shop.example/t)\n',
    });
    expect(escapeMarkdown('_a_ # b')).toBe('\\_a\\_ \\# b');
  });
});
