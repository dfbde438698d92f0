/**
 * Claims copy may make only when the product data carries the evidence: reviews and ratings,
 * popularity and sales, stock and scarcity, deadlines and countdowns. Each class lists its
 * wordings in both languages and the product attributes that support it. The guardrail
 * (`checkUnsupportedClaims` in guardrails.ts) fails copy that makes a claim of a class none of
 * its products supports.
 *
 * Chinese wordings are plain substrings (热门 is found in 热门款, never in 热情, since the two
 * characters must appear together); English ones are regular expressions matched as whole words,
 * ignoring case.
 */

export const claimClasses = ['reviews', 'popularity', 'scarcity', 'deadline'] as const;
export type ClaimClass = (typeof claimClasses)[number];

export interface ClaimClassSpec {
  /** What the class claims, for the reason a marketer reads. */
  readonly label: string;
  /** The evidence that supports it, for the same reason. */
  readonly evidence: string;
  readonly zh: readonly string[];
  readonly en: readonly RegExp[];
  /** Attribute names (lower case, without spaces, dashes or underscores) that carry the evidence. */
  readonly keys: readonly string[];
  /** Whether an attribute value is evidence; default: any non-empty value other than 0 or false. */
  readonly supports?: (value: string) => boolean;
}

const en = (source: string) => new RegExp(`(?<![\\p{L}\\p{N}])(?:${source})(?![\\p{L}\\p{N}])`, 'iu');

/** A rating on a five-point scale (or a percentage of positive reviews) that backs praise. */
export const minSupportingRating = 4;

export const claimSpecs: Record<ClaimClass, ClaimClassSpec> = {
  reviews: {
    label: 'reviews or ratings',
    evidence: `a rating of at least ${minSupportingRating} (attribute rating, reviewScore or 评分)`,
    zh: [
      '口碑',
      '好评',
      '五星',
      '高分',
      '评分',
      '零差评',
      '都说好',
      '用过的人',
      '回头客',
      '复购',
      '回购',
      '买家秀',
      '推荐率',
    ],
    en: [
      en('top[- ]rated'),
      en('highly[- ]rated'),
      en('best[- ]rated'),
      en('(?:4|5|five|four)[- ]stars?'),
      en('rave reviews?'),
      en('(?:great|glowing|rave|excellent|positive|customer) reviews'),
      en('(?:customers?|shoppers?|buyers?|everyone|people) (?:love|loves|swear by|rave about|agree)'),
      en('loved by'),
      en('(?:customer|fan|shopper)s?[- ]favou?rites?'),
      en('reviewers?'),
    ],
    keys: [
      'rating',
      'ratings',
      'averagerating',
      'reviewscore',
      'reviewrating',
      'stars',
      '评分',
      '好评率',
      '评价',
    ],
    supports: (value) => {
      const n = Number.parseFloat(value);
      if (!Number.isFinite(n)) return false;
      // A percentage of positive reviews (好评率 98%) or a five-point rating.
      return value.includes('%') || n > 5 ? n >= 90 : n >= minSupportingRating;
    },
  },
  popularity: {
    label: 'popularity or sales',
    evidence: 'a sales count (attribute sales, sold or 销量)',
    zh: [
      '热门',
      '人气',
      '爆款',
      '爆品',
      '热销',
      '热卖',
      '畅销',
      '大卖',
      '销量',
      '月销',
      '抢手',
      '网红',
      '排行',
      '榜单',
      '大家都在',
      '人手一',
      '断货王',
      '卖疯',
      '卖爆',
    ],
    en: [
      en('best[- ]?sell(?:ers?|ing)'),
      en('top[- ]sell(?:ers?|ing)'),
      en('(?:most[- ])?popular'),
      en('trending'),
      en('viral'),
      en('fan[- ]favou?rites?'),
      en("everyone(?:'s| is) (?:buying|talking|wearing)"),
      en('(?:thousands|millions|hundreds) of (?:customers|shoppers|buyers|people|fans)'),
      en('sold (?:over|more than)'),
      en('in demand'),
      en('hot[- ](?:seller|item|pick)s?'),
    ],
    keys: [
      'sales',
      'salescount',
      'sold',
      'unitssold',
      'orders',
      'ordercount',
      'purchases',
      '销量',
      '月销',
      '月销量',
      '已售',
    ],
  },
  scarcity: {
    label: 'limited stock',
    evidence: 'a stock level (attribute stock, inventory or 库存)',
    zh: [
      '限量',
      '仅剩',
      '只剩',
      '所剩无几',
      '库存',
      '断货',
      '缺货',
      '售罄',
      '抢光',
      '抢购',
      '手慢无',
      '先到先得',
    ],
    en: [
      en('only (?:\\d+|a few|one|two|three|four|five|a handful) (?:\\w+ )?(?:left|remaining)'),
      en('(?:just|only) (?:\\d+|a few) in stock'),
      en('(?:few|last) (?:\\w+ )?(?:left|remaining)'),
      en('limited (?:stock|stocks|quantities|quantity|supply|edition|run)'),
      en('selling (?:fast|out|quickly)'),
      en('(?:almost|nearly) (?:gone|sold out)'),
      en('sold out'),
      en('going fast'),
      en('while (?:stocks?|supplies) last'),
      en('low (?:in )?stock'),
      en("(?:before|until) (?:it's|they're|it is|they are) gone"),
      en('back in stock'),
    ],
    keys: [
      'stock',
      'stocklevel',
      'instock',
      'inventory',
      'quantityavailable',
      'available',
      'remaining',
      'limited',
      '库存',
      '剩余',
      '限量',
    ],
  },
  deadline: {
    label: 'a deadline or countdown',
    evidence: 'an end date (attribute endDate, endsAt, offerEnds or 截止)',
    zh: [
      '秒杀',
      '倒计时',
      '限时',
      '最后一天',
      '最后1天',
      '最后两天',
      '最后2天',
      '最后三天',
      '最后3天',
      '最后几天',
      '最后机会',
      '截止',
      '今日截止',
      '今天截止',
      '即将结束',
      '即将截止',
      '马上结束',
      '仅限今天',
      '仅限今日',
      '只限今天',
      '今天最后',
      '今晚结束',
      '过时不候',
      '仅此一天',
    ],
    en: [
      en('ends? (?:today|tonight|tomorrow|soon|at midnight|this week(?:end)?|on \\w+)'),
      en('(?:last|final) (?:chance|day|days|hours?|call)'),
      en('today only'),
      en('(?:one|1)[- ]day only'),
      en('limited[- ]time'),
      en('hurry'),
      en("(?:don't|do not) miss (?:out|it)"),
      en('(?:expires?|expiring) (?:today|tonight|soon)'),
      en('countdown'),
      en('flash sale'),
      en('\\d+ hours? (?:left|only|to go)'),
      en('(?:before|until) midnight'),
      en('now or never'),
    ],
    keys: [
      'enddate',
      'endsat',
      'endtime',
      'ends',
      'offerends',
      'saleends',
      'deadline',
      'expires',
      'expiry',
      'validuntil',
      '截止',
      '截止日期',
      '结束时间',
      '活动截止',
    ],
  },
};

/** An attribute name reduced for matching against `ClaimClassSpec.keys`. */
export function attributeKey(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.]+/g, '');
}

/** The wordings of a class a text uses, as they appear in it (first of each, in order). */
export function claimWordings(text: string, spec: ClaimClassSpec): string[] {
  const found: string[] = [];
  for (const term of spec.zh) if (text.includes(term)) found.push(term);
  for (const pattern of spec.en) {
    const hit = pattern.exec(text);
    if (hit) found.push(hit[0]);
  }
  // A wording inside a longer one found too (截止 in 今日截止) is the same claim, named once.
  return found.filter((t, i) => !found.some((o, j) => j !== i && o.length > t.length && o.includes(t)));
}

/** Whether a product's attributes carry the evidence for a claim class. */
export function supportsClaim(
  attributes: Readonly<Record<string, string | number | boolean>> | undefined,
  spec: ClaimClassSpec,
): boolean {
  for (const [name, raw] of Object.entries(attributes ?? {})) {
    if (!spec.keys.includes(attributeKey(name))) continue;
    const value = String(raw).trim();
    if (value === '' || value === '0' || value.toLowerCase() === 'false') continue;
    if (spec.supports ? spec.supports(value) : true) return true;
  }
  return false;
}
