/**
 * A Chinese copy variant: the goal's own line (a price, a reminder of the cart) written here,
 * and the product description written from the copy model learned from human ad copy
 * (zh-writer.ts). Every fact stated comes from the brief: the title, the category, the price
 * with its currency, and the attribute values; nothing about popularity, reviews, stock or
 * deadlines, which no brief carries.
 */
import { hash32 } from '../../core/hash';
import { Rng } from '../../core/random';
import { type BriefProduct, type CopyBrief, type CopyVariant, channelLimits, type Goal } from '../contract';
import { formatPrice } from '../money';
import { type CopyModel, typeKey } from './copy-model';
import { shippedCopyModel, shortClauses, typeModel, writeZh } from './zh-writer';

/** Human AdvertiseGen copy averages 111 characters: the length a full body aims for. */
export const zhTargetChars = 111;

interface GoalWords {
  /** Headline leads. */
  readonly leads: readonly string[];
  readonly ctas: readonly string[];
}

/** The goal's words: what the campaign itself says (a member price, a new arrival), no claims. */
const goalWords: Record<Goal, GoalWords> = {
  recommendation: {
    leads: ['为你推荐｜', '今日推荐｜', '推荐｜', '为你挑选｜', ''],
    ctas: ['立即查看', '去看看', '查看详情'],
  },
  promotion: {
    leads: ['优惠价｜', '特惠｜', '优惠｜', '好价｜'],
    ctas: ['立即购买', '马上入手', '查看优惠'],
  },
  member_exclusive: {
    leads: ['会员专享｜', '会员专属｜', '会员福利｜', '会员｜'],
    ctas: ['会员购买', '查看会员价', '立即查看'],
  },
  win_back: {
    leads: ['好久不见｜', '再来看看｜', '欢迎回来｜', '想你了｜'],
    ctas: ['回来看看', '再逛逛', '立即查看'],
  },
  new_arrival: {
    leads: ['新品上架｜', '上新｜', '新品｜', '新到｜'],
    ctas: ['查看新品', '抢先看', '立即查看'],
  },
  cart_recovery: {
    leads: ['购物车提醒｜', '还在购物车｜', '别忘了｜', '待结算｜'],
    ctas: ['去结算', '回到购物车', '完成订单'],
  },
};

/** The price as the copy writes it; undefined when the brief has none (0) or no currency fits. */
export function zhPrice(product: BriefProduct, style: 'symbol' | 'word'): string | undefined {
  // No price (0), or no currency to write it with: the copy states no price at all.
  if (!(product.price > 0) || !product.currency) return undefined;
  return formatPrice(product.price, product.currency, 'zh', style);
}

/** The goal's line in the body, naming the title and the price where the goal is about them. */
function goalLine(goal: Goal, title: string, price: string | undefined, rng: Rng): string {
  const priced = (withPrice: readonly string[], without: readonly string[]) =>
    rng.pick(price ? withPrice : without);
  switch (goal) {
    case 'promotion':
      return priced(
        [`${title}，现价${price}。`, `${title}优惠价${price}。`, `现在${price}就能入手${title}。`],
        [`${title}正在优惠。`],
      );
    case 'member_exclusive':
      return priced(
        [`会员专享：${title}，${price}。`, `这款${title}为会员准备，${price}。`],
        [`会员专享：${title}。`],
      );
    case 'win_back':
      return priced(
        [`好久不见，为你挑了${title}，${price}。`],
        [`好久不见，为你挑了${title}。`, `欢迎回来看看${title}。`],
      );
    case 'new_arrival':
      return priced([`新品${title}上架，${price}。`], [`新品上架：${title}。`, `${title}新品上架。`]);
    case 'cart_recovery':
      return priced([`你加购的${title}还在购物车里，${price}。`], [`你加购的${title}还在购物车里。`]);
    default:
      return priced([`${title}，${price}。`, `为你挑选${title}，${price}。`], [`为你挑选：${title}。`, '']);
  }
}

/** The product's attributes as the copy model names them: 风格2 is a second 风格. */
function attributePairs(product: BriefProduct): Array<readonly [string, string]> {
  return Object.entries(product.attributes ?? {})
    .map(([k, v]) => [k.replace(/\d+$/, ''), v.trim()] as const)
    .filter(([k, v]) => k !== typeKey && v.length > 0);
}

/** The garment type the copy model writes for: the 类型 attribute, else the category when it is one. */
function garmentType(model: CopyModel, product: BriefProduct): string | undefined {
  const type = product.attributes?.[typeKey] ?? product.category;
  return typeModel(model, type) ? type : undefined;
}

/** A stride near `ratio` of n that is coprime with n, so n steps visit every item once. */
function coprimeStride(n: number, ratio: number): number {
  for (let s = Math.max(1, Math.round(n * ratio)); s < n; s++) if (gcd(s, n) === 1) return s;
  return 1;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function fitsChars(text: string, limit: number): boolean {
  return Array.from(text).length <= limit;
}

/**
 * One Chinese variant for a product, deterministic for (seed, index). The headline is the goal's
 * lead with the title or a learned clause about the product; the body is the goal's line, the
 * learned description, and any must-include terms, within the channel's limits.
 */
export function composeZhVariant(
  brief: CopyBrief,
  product: BriefProduct,
  seed: number,
  index: number,
  model: CopyModel = shippedCopyModel(),
): CopyVariant {
  const rng = new Rng(hash32(seed, index, product.productId, 'zh'));
  const limits = channelLimits[brief.channel];
  const words = goalWords[brief.goal];
  const avoid = brief.mustAvoid;
  const title = product.title.trim();
  const price = zhPrice(product, rng.int(2) === 0 ? 'symbol' : 'word');
  const facts = new Set<string>();
  const type = garmentType(model, product);
  const tm = type ? typeModel(model, type) : undefined;
  const pairs = attributePairs(product);

  // Headline: a goal lead and a core naming the product (its title, brand and category, or a
  // learned clause about its attributes), enumerated so that consecutive seeds and the variants
  // of one request start from different combinations.
  const cores: Array<{ text: string; facts: string[] }> = [{ text: title, facts: [title] }];
  const brand = product.brand?.trim();
  const category = product.category.trim();
  if (brand && !title.includes(brand)) cores.push({ text: `${brand}${title}`, facts: [brand, title] });
  if (category !== title) {
    cores.push({ text: `${category}：${title}`, facts: [category, title] });
    cores.push({ text: `这款${category}`, facts: [category] });
  }
  if (brand) cores.push({ text: `${brand}${category}`, facts: [brand, category] });
  if (price) cores.push({ text: `${title}，${price}`, facts: [title, String(product.price)] });
  cores.push({ text: `看看${title}`, facts: [title] });
  if (tm && pairs.length > 0) {
    for (const c of shortClauses(tm, { type: type!, attributes: pairs }, 16, 20, avoid)) {
      if (!cores.some((o) => o.text === c.text)) cores.push({ text: c.text, facts: [...c.facts] });
    }
  }
  const combos = cores.flatMap((c) =>
    words.leads.map((lead) => ({ text: `${lead}${c.text}`, facts: c.facts })),
  );
  // One index space for every channel: a combination that does not fit or is avoided is skipped
  // along a third stride, so a narrow channel does not fall onto another request's headline.
  const n = combos.length;
  const start = ((seed % n) * coprimeStride(n, 0.618) + index * coprimeStride(n, 0.414)) % n;
  const scan = coprimeStride(n, 0.732);
  let chosen: { text: string; facts: readonly string[] } = {
    text: Array.from(title).slice(0, limits.headline.zh).join(''),
    facts: [],
  };
  for (let step = 0; step < n; step++) {
    const c = combos[(start + step * scan) % n]!;
    if (fitsChars(c.text, limits.headline.zh) && !avoid?.some((a) => a.trim() && c.text.includes(a.trim()))) {
      chosen = c;
      break;
    }
  }
  const headline = chosen.text;
  for (const f of chosen.facts) if (headline.includes(f)) facts.add(f);

  const callToAction = rng.pick(
    words.ctas.filter((c) => !avoid?.some((a) => c.includes(a))).concat(words.ctas[0]!),
  );

  // Body: the goal's line, the learned description, then terms the request requires.
  let line = goalLine(brief.goal, title, price, rng);
  const required = (brief.mustInclude ?? []).filter(
    (t) => t.trim() && !`${headline}${callToAction}`.includes(t),
  );
  const tail = required.length > 0 ? `${required.join('，')}。` : '';
  const bodyLimit = limits.body.zh;
  if (!fitsChars(`${line}${tail}`, bodyLimit)) line = price ? `现价${price}。` : '';
  if (line.includes(title)) facts.add(title);
  if (price && line.includes(price)) facts.add(String(product.price));
  const room = bodyLimit - Array.from(`${line}${tail}`).length;
  let description = '';
  if (tm && room >= 8) {
    const written = writeZh(tm, { type: type!, attributes: pairs }, rng, {
      maxChars: room,
      targetChars: Math.min(room, zhTargetChars),
      ...(avoid ? { avoid } : {}),
    });
    description = written.text;
    for (const f of written.facts) facts.add(f);
  } else if (!tm && room >= 8) {
    description = plainDescription(product, room, hash32(seed, product.productId) + index);
    if (description.includes(product.category)) facts.add(product.category);
    if (description.includes(title)) facts.add(title);
    if (product.brand && description.includes(product.brand)) facts.add(product.brand);
  }
  const body = `${line}${description}${tail}` || `${title}。`;
  return { headline, body, callToAction, factsUsed: [...facts].slice(0, 20) };
}

/**
 * A product the copy model has no garment type for (a cake stand, a lantern): only its brand
 * and category, which is all the brief says about it.
 */
function plainDescription(product: BriefProduct, room: number, pick: number): string {
  const { brand, category, title } = product;
  const frames = [
    brand ? `${brand}出品的${category}。` : `一款${category}。`,
    brand ? `一款来自${brand}的${category}。` : `${category}里的一款：${title}。`,
    `把${title}加入你的${category}清单。`,
    `${category}新选择：${title}。`,
    brand ? `${title}，${brand}的${category}。` : `${title}，值得一看的${category}。`,
    `这款${category}值得一看。`,
  ].filter((t) => fitsChars(t, room));
  return frames.length > 0 ? frames[pick % frames.length]! : '';
}
