import { useState } from 'preact/hooks';
import { campaignBodySchema } from '../../../functions/optimize/schema';
import { channels, goals, languages } from '../../../model/contract';
import type { Channel, Language } from '../types';
import { ErrorBox, Field, Section, Show, Status, splitIds, useApp, useLoad } from '../ui';
import { labelOf } from './segments';

/** The campaign list and the create form. */
export default function CampaignsPage() {
  const { api, t, fmt } = useApp();
  const loaded = useLoad(() => api.campaigns(100), [api], {
    pollMs: 2000,
    poll: (d) => d.campaigns.some((c) => c.status === 'creating'),
  });
  const [creating, setCreating] = useState(false);
  return (
    <div class="page">
      <h1>{t.campaigns.title}</h1>
      <Section
        title={t.campaigns.title}
        actions={
          <>
            <button type="button" onClick={() => setCreating(!creating)} aria-expanded={creating}>
              {t.campaigns.create}
            </button>
            <button type="button" class="secondary" onClick={loaded.reload}>
              {t.common.refresh}
            </button>
          </>
        }
      >
        {creating && <CreateCampaign />}
        <Show loaded={loaded} isEmpty={(d) => d.campaigns.length === 0} empty={t.campaigns.none}>
          {(d) => (
            <div class="table-wrap">
              <table data-testid="campaigns">
                <caption class="sr-only">{t.campaigns.title}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t.common.name}</th>
                    <th scope="col">{t.common.status}</th>
                    <th scope="col">{t.generate.goal}</th>
                    <th scope="col">{t.generate.channel}</th>
                    <th scope="col">{t.generate.language}</th>
                    <th scope="col">{t.campaigns.trafficSplit}</th>
                    <th scope="col">{t.common.created}</th>
                  </tr>
                </thead>
                <tbody>
                  {d.campaigns.map((c) => (
                    <tr key={c.campaignId}>
                      <td>
                        <a href={`#/campaigns/${encodeURIComponent(c.campaignId)}`}>{c.spec.name}</a>
                      </td>
                      <td>
                        <Status value={c.status} />
                      </td>
                      <td>{t.goals[c.spec.goal] ?? c.spec.goal}</td>
                      <td>{t.channels[c.spec.channel] ?? c.spec.channel}</td>
                      <td>{t.languageNames[c.spec.language]}</td>
                      <td>{t.campaigns.splits[c.spec.trafficSplit] ?? c.spec.trafficSplit}</td>
                      <td>{fmt.dateTime(c.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Show>
      </Section>
    </div>
  );
}

function CreateCampaign() {
  const { api, t, lang, fmt, navigate } = useApp();
  const segments = useLoad(() => api.segments(), [api]);
  const [form, setForm] = useState({
    name: '',
    goal: 'promotion' as (typeof goals)[number],
    channel: 'push' as Channel,
    language: lang as Language,
    tone: 'friendly',
    productIds: '',
    category: '',
    audience: 'everyone' as 'everyone' | 'segments',
    segmentIds: [] as string[],
    variantsPerSegment: 3,
    controlShare: 0.1,
    objective: 'click' as 'click' | 'conversion',
    trafficSplit: 'bandit' as 'bandit' | 'even',
  });
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) =>
    setForm((f) => ({ ...f, [key]: value }));

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const productIds = splitIds(form.productIds);
    const parsed = campaignBodySchema.safeParse({
      name: form.name.trim(),
      goal: form.goal,
      channel: form.channel,
      language: form.language,
      tone: form.tone,
      productIds: productIds.length ? productIds : undefined,
      category: form.category.trim() || undefined,
      audience:
        form.audience === 'segments'
          ? { kind: 'segments', segmentIds: form.segmentIds }
          : { kind: 'everyone' },
      variantsPerSegment: form.variantsPerSegment,
      controlShare: form.controlShare,
      objective: form.objective,
      trafficSplit: form.trafficSplit,
    });
    if (!parsed.success) {
      setError(
        new Error(parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ')),
      );
      return;
    }
    setBusy(true);
    try {
      const campaign = await api.createCampaign(parsed.data);
      navigate(`#/campaigns/${encodeURIComponent(campaign.campaignId)}`);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form-grid create" onSubmit={submit} data-testid="create-campaign">
      <h3>{t.campaigns.createTitle}</h3>
      <Field label={t.common.name}>
        <input name="name" required value={form.name} onInput={(e) => set('name', e.currentTarget.value)} />
      </Field>
      <Field label={t.generate.goal}>
        <select
          name="goal"
          value={form.goal}
          onChange={(e) => set('goal', e.currentTarget.value as typeof form.goal)}
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
          value={form.channel}
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
          value={form.language}
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
        <input name="tone" value={form.tone} onInput={(e) => set('tone', e.currentTarget.value)} />
      </Field>
      <Field label={t.campaigns.products}>
        <input
          name="productIds"
          value={form.productIds}
          onInput={(e) => set('productIds', e.currentTarget.value)}
        />
      </Field>
      <Field label={t.campaigns.category}>
        <input
          name="category"
          value={form.category}
          onInput={(e) => set('category', e.currentTarget.value)}
        />
      </Field>
      <fieldset>
        <legend>{t.campaigns.audience}</legend>
        <label class="check">
          <input
            type="radio"
            name="audience"
            checked={form.audience === 'everyone'}
            onChange={() => set('audience', 'everyone')}
          />
          {t.campaigns.everyone}
        </label>
        <label class="check">
          <input
            type="radio"
            name="audience"
            checked={form.audience === 'segments'}
            onChange={() => set('audience', 'segments')}
          />
          {t.campaigns.segments}
        </label>
        {form.audience === 'segments' &&
          (segments.state === 'error' ? (
            <ErrorBox error={segments.error} />
          ) : (
            (segments.data?.segments ?? []).map((s) => (
              <label class="check" key={s.segmentId}>
                <input
                  type="checkbox"
                  checked={form.segmentIds.includes(s.segmentId)}
                  onChange={(e) =>
                    set(
                      'segmentIds',
                      e.currentTarget.checked
                        ? [...form.segmentIds, s.segmentId]
                        : form.segmentIds.filter((x) => x !== s.segmentId),
                    )
                  }
                />
                {labelOf(s, lang)} ({fmt.int(s.size)})
              </label>
            ))
          ))}
      </fieldset>
      <Field label={t.campaigns.variantsPerSegment}>
        <input
          type="number"
          min={1}
          max={8}
          value={form.variantsPerSegment}
          onInput={(e) => set('variantsPerSegment', Number(e.currentTarget.value))}
        />
      </Field>
      <Field label={t.campaigns.controlShare}>
        <input
          type="number"
          min={0}
          max={0.5}
          step={0.05}
          value={form.controlShare}
          onInput={(e) => set('controlShare', Number(e.currentTarget.value))}
        />
      </Field>
      <Field label={t.campaigns.objective}>
        <select
          value={form.objective}
          onChange={(e) => set('objective', e.currentTarget.value as typeof form.objective)}
        >
          {(['click', 'conversion'] as const).map((o) => (
            <option key={o} value={o}>
              {t.campaigns.objectives[o]}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t.campaigns.trafficSplit}>
        <select
          value={form.trafficSplit}
          onChange={(e) => set('trafficSplit', e.currentTarget.value as typeof form.trafficSplit)}
        >
          {(['bandit', 'even'] as const).map((o) => (
            <option key={o} value={o}>
              {t.campaigns.splits[o]}
            </option>
          ))}
        </select>
      </Field>
      <div class="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? t.campaigns.creating : t.campaigns.submit}
        </button>
      </div>
      {error && <ErrorBox error={error} />}
    </form>
  );
}
