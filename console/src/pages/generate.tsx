import { useState } from 'preact/hooks';
import { generateBodySchema } from '../../../functions/generate/schema';
import { campaignBodySchema } from '../../../functions/optimize/schema';
import { channels, goals, languages, maxVariants } from '../../../model/contract';
import type { Channel, GeneratedVariant, GenerateResult, Language, Prediction, Rendered } from '../types';
import { ErrorBox, Field, Section, splitIds, useApp, useLoad } from '../ui';
import { labelOf } from './segments';

type Audience = 'none' | 'segment' | 'user';

interface Card {
  readonly variant: GeneratedVariant;
  readonly state: 'new' | 'kept' | 'discarded';
  readonly editing: boolean;
  readonly edited?: { headline: string; body: string; callToAction: string };
  readonly prediction?: Prediction;
  readonly predictionError?: string;
}

interface Request {
  readonly audience: Audience;
  readonly segmentId: string;
  readonly userId: string;
  readonly productIds: string;
  readonly goal: (typeof goals)[number];
  readonly channel: Channel;
  readonly language: Language;
  readonly tone: string;
  readonly variants: number;
}

const issueText = (error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }) =>
  error.issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; ');

/**
 * The playground: generate variants for an audience, see each as its channel shows it with its
 * guardrail results and predictions, keep / edit / discard, and start a campaign.
 */
export default function GeneratePage({ query }: { query: URLSearchParams }) {
  const { api, t, lang, fmt, navigate } = useApp();
  const segments = useLoad(() => api.segments(), [api]);
  const [request, setRequest] = useState<Request>({
    audience: query.get('segment') ? 'segment' : 'none',
    segmentId: query.get('segment') ?? '',
    userId: '',
    productIds: '',
    goal: 'promotion',
    channel: 'push',
    language: lang,
    tone: 'friendly',
    variants: 3,
  });
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<Error>();
  const [result, setResult] = useState<GenerateResult>();
  const [cards, setCards] = useState<Card[]>([]);
  const [campaignName, setCampaignName] = useState('');
  const [campaignError, setCampaignError] = useState<Error>();
  const [creating, setCreating] = useState(false);
  const set = <K extends keyof Request>(key: K, value: Request[K]) =>
    setRequest((r) => ({ ...r, [key]: value }));
  const segmentList = segments.state === 'ok' ? segments.data.segments : [];
  const segmentSize = segmentList.find((s) => s.segmentId === request.segmentId)?.size;

  const audienceOf = (r: Request) =>
    r.audience === 'segment' && r.segmentId
      ? { segmentId: r.segmentId }
      : r.audience === 'user' && r.userId.trim()
        ? { userId: r.userId.trim() }
        : {};

  const predictFor = async (
    r: Request,
    variants: Array<{ variantId: string; headline: string; body: string; callToAction: string }>,
  ) => {
    const audience = audienceOf(r);
    if (!('segmentId' in audience) && !('userId' in audience)) return undefined;
    const productIds = splitIds(r.productIds);
    const answer = await api.predict({
      ...audience,
      variants: variants.map((v) => ({
        variantId: v.variantId,
        headline: v.headline,
        body: v.body,
        callToAction: v.callToAction,
        goal: r.goal,
        channel: r.channel,
        language: r.language,
        tone: r.tone,
        products: productIds.map((productId) => ({ productId })),
      })),
    });
    return new Map(answer.predictions.map((p) => [p.variantId, p]));
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const productIds = splitIds(request.productIds);
    const parsed = generateBodySchema.safeParse({
      ...audienceOf(request),
      productIds: productIds.length ? productIds : undefined,
      goal: request.goal,
      channel: request.channel,
      language: request.language,
      tone: request.tone,
      variants: request.variants,
    });
    if (!parsed.success) {
      setError(new Error(issueText(parsed.error)));
      return;
    }
    setRunning(true);
    try {
      const generated = await api.generate(parsed.data);
      setResult(generated);
      let predictions: Map<string, Prediction> | undefined;
      let predictionError: string | undefined;
      try {
        predictions = await predictFor(request, [...generated.variants]);
      } catch (e) {
        predictionError = (e as Error).message;
      }
      setCards(
        generated.variants.map((variant) => ({
          variant,
          state: 'new',
          editing: false,
          prediction: predictions?.get(variant.variantId),
          predictionError: predictions
            ? undefined
            : predictionError
              ? t.generate.predictionUnavailable(predictionError)
              : t.generate.needsAudience,
        })),
      );
    } catch (e) {
      setError(e as Error);
    } finally {
      setRunning(false);
    }
  };

  const update = (index: number, change: Partial<Card>) =>
    setCards((all) => all.map((c, i) => (i === index ? { ...c, ...change } : c)));

  const saveEdit = async (index: number) => {
    const card = cards[index];
    if (!card?.edited) return;
    update(index, { editing: false, state: 'kept' });
    try {
      const predictions = await predictFor(request, [{ variantId: card.variant.variantId, ...card.edited }]);
      update(index, { prediction: predictions?.get(card.variant.variantId), predictionError: undefined });
    } catch (e) {
      update(index, { predictionError: (e as Error).message });
    }
  };

  const kept = cards.filter((c) => c.state === 'kept');

  const startCampaign = async (event: Event) => {
    event.preventDefault();
    setCampaignError(undefined);
    const productIds = splitIds(request.productIds);
    const parsed = campaignBodySchema.safeParse({
      name: campaignName.trim(),
      goal: request.goal,
      channel: request.channel,
      language: request.language,
      tone: request.tone,
      productIds: productIds.length ? productIds : undefined,
      audience:
        request.audience === 'segment' && request.segmentId
          ? { kind: 'segments', segmentIds: [request.segmentId] }
          : request.audience === 'user' && request.userId.trim()
            ? { kind: 'users', userIds: [request.userId.trim()] }
            : { kind: 'everyone' },
      variantsPerSegment: Math.min(8, Math.max(1, kept.length)),
    });
    if (!parsed.success) {
      setCampaignError(new Error(issueText(parsed.error)));
      return;
    }
    setCreating(true);
    try {
      const campaign = await api.createCampaign(parsed.data);
      navigate(`#/campaigns/${encodeURIComponent(campaign.campaignId)}`);
    } catch (e) {
      setCampaignError(e as Error);
    } finally {
      setCreating(false);
    }
  };

  return (
    <div class="page">
      <h1>{t.generate.title}</h1>
      <Section title={t.generate.title}>
        <form class="form-grid" onSubmit={submit} data-testid="generate-form">
          <fieldset>
            <legend>{t.generate.audience}</legend>
            {(['none', 'segment', 'user'] as const).map((a) => (
              <label class="check" key={a}>
                <input
                  type="radio"
                  name="audience"
                  value={a}
                  checked={request.audience === a}
                  onChange={() => set('audience', a)}
                />
                {a === 'none'
                  ? t.generate.audienceNone
                  : a === 'segment'
                    ? t.generate.audienceSegment
                    : t.generate.audienceUser}
              </label>
            ))}
          </fieldset>
          {request.audience === 'segment' && (
            <Field label={t.generate.segment}>
              <select
                name="segment"
                value={request.segmentId}
                onChange={(e) => set('segmentId', e.currentTarget.value)}
              >
                <option value="">–</option>
                {segmentList.map((s) => (
                  <option key={s.segmentId} value={s.segmentId}>
                    {labelOf(s, lang)} ({fmt.int(s.size)})
                  </option>
                ))}
              </select>
            </Field>
          )}
          {request.audience === 'user' && (
            <Field label={t.generate.userId}>
              <input
                name="userId"
                value={request.userId}
                onInput={(e) => set('userId', e.currentTarget.value)}
              />
            </Field>
          )}
          <Field label={t.generate.productIds} hint={t.generate.productIdsHint}>
            <input
              name="productIds"
              value={request.productIds}
              onInput={(e) => set('productIds', e.currentTarget.value)}
            />
          </Field>
          <Field label={t.generate.goal}>
            <select
              name="goal"
              value={request.goal}
              onChange={(e) => set('goal', e.currentTarget.value as Request['goal'])}
            >
              {goals.map((g) => (
                <option key={g} value={g}>
                  {t.goals[g] ?? g}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t.generate.channel}>
            <select
              name="channel"
              value={request.channel}
              onChange={(e) => set('channel', e.currentTarget.value as Channel)}
            >
              {channels.map((c) => (
                <option key={c} value={c}>
                  {t.channels[c] ?? c}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t.generate.language}>
            <select
              name="language"
              value={request.language}
              onChange={(e) => set('language', e.currentTarget.value as Language)}
            >
              {languages.map((l) => (
                <option key={l} value={l}>
                  {t.languageNames[l]}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t.generate.tone}>
            <input name="tone" value={request.tone} onInput={(e) => set('tone', e.currentTarget.value)} />
          </Field>
          <Field label={t.generate.variants}>
            <input
              name="variants"
              type="number"
              min={1}
              max={maxVariants}
              value={request.variants}
              onInput={(e) => set('variants', Number(e.currentTarget.value))}
            />
          </Field>
          <div class="form-actions">
            <button type="submit" disabled={running}>
              {t.generate.run}
            </button>
            {running && (
              <span class="loading" role="status">
                {t.generate.running}
              </span>
            )}
          </div>
        </form>
        {error && <ErrorBox error={error} />}
      </Section>
      {result?.fallback && <p class="notice">{t.generate.fallback(result.fallback.reason)}</p>}
      <Section title={t.generate.results}>
        {cards.length === 0 ? (
          <p class="empty">{t.generate.none}</p>
        ) : (
          <ol class="variants" data-testid="variants">
            {cards.map((card, index) => (
              <li key={card.variant.variantId} class={`variant ${card.state}`}>
                <VariantCard
                  card={card}
                  channel={request.channel}
                  audienceSize={request.audience === 'segment' ? segmentSize : undefined}
                  onKeep={() => update(index, { state: card.state === 'kept' ? 'new' : 'kept' })}
                  onDiscard={() => update(index, { state: 'discarded', editing: false })}
                  onEdit={() =>
                    update(index, {
                      editing: true,
                      edited: card.edited ?? {
                        headline: card.variant.headline,
                        body: card.variant.body,
                        callToAction: card.variant.callToAction,
                      },
                    })
                  }
                  onChange={(edited) => update(index, { edited })}
                  onSave={() => saveEdit(index)}
                  onCancel={() => update(index, { editing: false })}
                />
              </li>
            ))}
          </ol>
        )}
        {result && result.dropped.length > 0 && (
          <details>
            <summary>
              {t.generate.dropped} ({fmt.int(result.dropped.length)})
            </summary>
            <ul>
              {result.dropped.map((d) => (
                <li key={d.headline}>
                  {d.headline}: {d.reason}
                </li>
              ))}
            </ul>
          </details>
        )}
      </Section>
      {kept.length > 0 && (
        <Section title={t.generate.startCampaign}>
          <p>{t.generate.keptCount(fmt.int(kept.length))}</p>
          <p class="hint">{t.generate.campaignNote}</p>
          <form class="row" onSubmit={startCampaign} data-testid="campaign-from-kept">
            <Field label={t.generate.campaignName}>
              <input
                name="campaignName"
                required
                value={campaignName}
                onInput={(e) => setCampaignName(e.currentTarget.value)}
              />
            </Field>
            <button type="submit" disabled={creating}>
              {creating ? t.campaigns.creating : t.generate.startCampaign}
            </button>
          </form>
          {campaignError && <ErrorBox error={campaignError} />}
        </Section>
      )}
    </div>
  );
}

function Rendering({ rendered, audienceSize }: { rendered: Rendered; audienceSize?: number }) {
  const { t, fmt } = useApp();
  switch (rendered.channel) {
    case 'push':
      return (
        <figure class="r-push" aria-label={t.generate.previewOf(t.channels['push'] ?? 'push')}>
          <div class="r-push-app">Tailor</div>
          <strong>{rendered.title}</strong>
          <p>{rendered.body}</p>
        </figure>
      );
    case 'sms':
      return (
        <figure class="r-sms" aria-label={t.generate.previewOf(t.channels['sms'] ?? 'sms')}>
          <p class="bubble">{rendered.text}</p>
          <p class="hint">
            {t.generate.smsSegments(fmt.int(rendered.segments), rendered.encoding)}
            {audienceSize !== undefined && ` · ${t.generate.segmentCount(fmt.int(audienceSize))}`}
          </p>
        </figure>
      );
    case 'email':
      return (
        <figure class="r-email" aria-label={t.generate.previewOf(t.channels['email'] ?? 'email')}>
          <p>
            <span class="hint">{t.generate.emailSubject}: </span>
            <strong>{rendered.subject}</strong>
          </p>
          <iframe title={rendered.subject} sandbox="" srcdoc={rendered.html} />
        </figure>
      );
    case 'banner':
      return (
        <figure class="r-banner" aria-label={t.generate.previewOf(t.channels['banner'] ?? 'banner')}>
          <strong>{rendered.headline}</strong>
          <span class="cta">{rendered.callToAction}</span>
        </figure>
      );
    case 'social':
      return (
        <pre class="r-social" title={t.generate.previewOf(t.channels['social'] ?? 'social')}>
          {rendered.markdown}
        </pre>
      );
  }
}

function Estimate({ label, e }: { label: string; e: { p: number; low: number; high: number } }) {
  const { t, fmt } = useApp();
  return (
    <div class="estimate">
      <dt>{label}</dt>
      <dd>
        <strong>{fmt.finePct(e.p)}</strong>
        <span class="hint"> {t.generate.interval(fmt.finePct(e.low), fmt.finePct(e.high))}</span>
      </dd>
    </div>
  );
}

function VariantCard(props: {
  card: Card;
  channel: Channel;
  audienceSize?: number;
  onKeep: () => void;
  onDiscard: () => void;
  onEdit: () => void;
  onChange: (edited: { headline: string; body: string; callToAction: string }) => void;
  onSave: () => void;
  onCancel: () => void;
}) {
  const { t, fmt } = useApp();
  const { card } = props;
  const v = card.variant;
  const p = card.prediction;
  if (card.state === 'discarded') {
    return (
      <p class="hint">
        <s>{v.headline}</s>{' '}
        <button type="button" class="link" onClick={props.onKeep}>
          {t.generate.keep}
        </button>
      </p>
    );
  }
  const copy = card.edited ?? v;
  return (
    <article aria-label={copy.headline}>
      {card.editing && card.edited ? (
        <div class="edit">
          {(['headline', 'body', 'callToAction'] as const).map((k) => (
            <Field key={k} label={t.generate[k]}>
              <textarea
                rows={k === 'body' ? 3 : 1}
                value={card.edited?.[k]}
                onInput={(e) => card.edited && props.onChange({ ...card.edited, [k]: e.currentTarget.value })}
              />
            </Field>
          ))}
          <div class="row">
            <button type="button" onClick={props.onSave}>
              {t.common.save}
            </button>
            <button type="button" class="secondary" onClick={props.onCancel}>
              {t.common.cancel}
            </button>
          </div>
        </div>
      ) : card.edited ? (
        <div class="r-edited">
          <strong>{copy.headline}</strong>
          <p>{copy.body}</p>
          <span class="cta">{copy.callToAction}</span>
        </div>
      ) : (
        <Rendering rendered={v.rendered} audienceSize={props.audienceSize} />
      )}
      <details>
        <summary>
          {t.generate.guardrails}: {fmt.int(v.checks.filter((c) => c.passed).length)}/
          {fmt.int(v.checks.length)} {t.generate.passed}
        </summary>
        <ul class="checks">
          {v.checks.map((c) => (
            <li key={c.rule} class={c.passed ? 'ok-text' : 'bad-text'}>
              {c.passed ? '✓' : '✗'} {c.rule}
              {c.reason && <span class="hint"> — {c.reason}</span>}
            </li>
          ))}
        </ul>
      </details>
      {p ? (
        <div class="prediction">
          <dl>
            <Estimate label={t.generate.ctr} e={p.ctr} />
            <Estimate label={t.generate.cvr} e={p.cvr} />
            <Estimate label={t.generate.uplift} e={p.uplift} />
            <div class="estimate">
              <dt>{t.generate.expectedValue}</dt>
              <dd>{fmt.num(p.expectedValue)}</dd>
            </div>
            <div class="estimate">
              <dt>{t.generate.send}</dt>
              <dd>{p.send ? t.common.yes : t.common.no}</dd>
            </div>
          </dl>
          <p class="hint">{t.generate.source(`${p.source.ctr} / ${p.source.cvr} / ${p.source.uplift}`)}</p>
          <details>
            <summary>{t.generate.reasons}</summary>
            <ul>
              {p.reasons.map((r) => (
                <li key={r.feature}>
                  {r.text} <span class="hint">({fmt.num(r.effect)})</span>
                </li>
              ))}
            </ul>
          </details>
        </div>
      ) : (
        card.predictionError && <p class="hint">{card.predictionError}</p>
      )}
      <div class="row">
        <button type="button" aria-pressed={card.state === 'kept'} onClick={props.onKeep}>
          {card.state === 'kept' ? t.generate.kept : t.generate.keep}
        </button>
        <button type="button" class="secondary" onClick={props.onEdit} disabled={card.editing}>
          {t.generate.edit}
        </button>
        <button type="button" class="secondary" onClick={props.onDiscard}>
          {t.generate.discard}
        </button>
      </div>
    </article>
  );
}
