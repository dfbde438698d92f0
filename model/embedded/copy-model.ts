/**
 * The Chinese copy model the embedded generator writes from, learned from real ad copy
 * (AdvertiseGen: attribute sets `key#value*key#value` paired with human-written copy).
 *
 * What is learned, per garment type (类型: 裙, 上衣, 裤):
 * - clause templates: every clause (text between ，。！；) of the human copy, with the record's
 *   own attribute values slotted out as `{key}` (a clause "这款连衣裙采用雪纺面料" of a record
 *   with 材质#雪纺 becomes "这款连衣裙采用{材质}面料"). A clause that names an attribute value
 *   the record does not have (a colour, material, pattern, style the copy added freely) is not
 *   kept, so the generator can never state a value the product lacks. Clauses that name no
 *   attribute are kept apart, by position (opening, middle, closing), as connective copy.
 * - the order in which copy mentions attributes: transition counts between the slot keys of
 *   consecutive clauses (START → 版型 → 材质 → ... → END).
 * - the value vocabulary per key, which the generator and the benchmark use to recognise a
 *   stated value.
 *
 * What is shipped is clauses and counts, never a record whole; the clause bank keeps only
 * clauses of 4 to 30 characters without Latin letters or the data set's BRAND mask.
 */

/** One AdvertiseGen record, parsed. */
export interface CopyRecord {
  readonly attributes: ReadonlyArray<readonly [key: string, value: string]>;
  readonly copy: string;
}

/** A clause with `{key}` slots, and the value each slot held in the copy it came from. */
export interface ClauseTemplate {
  readonly text: string;
  readonly slots: readonly string[];
  /** The values the slots held in the human copy, in slot order (a template reads best with them). */
  readonly learnedValues: readonly string[];
}

export interface TypeModel {
  readonly templates: readonly ClauseTemplate[];
  /** Clauses naming no attribute, by where they stood in their copy. */
  readonly opening: readonly string[];
  readonly middle: readonly string[];
  readonly closing: readonly string[];
  /** transitions[from][to]: how often a clause on `to` followed one on `from` (START, END). */
  readonly transitions: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export interface CopyModel {
  readonly version: 1;
  /** Where the model was learned from, for the record. */
  readonly source: string;
  readonly records: number;
  /** Attribute values seen per key (the key 类型 is the garment type and is not slotted). */
  readonly vocabulary: Readonly<Record<string, readonly string[]>>;
  readonly types: Readonly<Record<string, TypeModel>>;
}

/** The attribute naming the garment type: a model per value, never slotted. */
export const typeKey = '类型';
export const startKey = 'START';
export const endKey = 'END';

/**
 * Claims no attribute set supports (popularity, reviews, sales, scarcity, celebrity, deadlines):
 * clauses making them are never learned.
 */
export const unsupportedClaim =
  /口碑|好评|热门|人气|爆款|热销|销量|限量|仅剩|明星|网红|同款|抢购|断货|售罄|秒杀|必入|必备|回购|追捧|大热|火爆|风靡|最|第一|限时|今天|今日/u;

/**
 * Garment kinds, materials and colours that AdvertiseGen copy names freely beyond the attribute
 * keys' values (a 棉服 in the copy of a 卫衣): a clause naming one that the record does not have
 * is not learned, like a clause naming another record's value.
 */
export const extraFactWords: readonly string[] = [
  ...'衬衣 棉服 羽绒服 大衣 夹克 背心 皮衣 毛呢 旗袍 睡衣 吊带衫 连体衣 裙裤 卫裤 西裤 运动裤 打底裤 休闲裤 牛仔裤 牛仔外套 吊带裙 雪纺裙 蕾丝裙 针织裙 毛衣裙 T恤 短外套 长外套 斗篷 披肩 坎肩'.split(
    ' ',
  ),
  ...'男士 男款 男生 男装 男孩 儿童 童装 宝宝 镂空 褶皱 开衩 铆钉 贴布 绣花 钩花 扎染 烫金 做旧 磨白 珠片 拼布 分叉 侧开 露脐 挂脖 斜肩 格纹 一字肩 真丝 纯棉 棉质 皮革 灯芯绒 麂皮 莫代尔 欧根纱 府绸 珍珠 羊羔毛 摇粒绒 醋酸 貂绒 马海毛 冰丝 丝绸 PU'.split(
    ' ',
  ),
  ...'米色 橙色 咖啡色 棕色 橘色 玫红 藕粉 奶白 咖色 橘红 紫红 湖蓝 天蓝 雾霾蓝 牛油果绿 卡其 红白 蓝白 黑白 灰色 白色 黑色 红色 蓝色 绿色 黄色 粉色 紫色'.split(
    ' ',
  ),
];

/** A clause that leans on a clause the template bank may not put next to it (不仅 ... 而且). */
const dangling = /^既|不仅|不但|无论|虽然|尽管|不管|一方面|既有|既能|与其|哪怕|即使|即便/u;
/** Words that continue what came before; a clause starting with one cannot open copy. */
/**
 * Words of product detail (necklines, sleeves, waists, hems, fabrics, prints, colours, fits):
 * a clause naming no attribute value but one of these describes a detail the copy's product had,
 * not this one, so connective copy never uses it.
 */
const detailWord =
  /恤|牛仔|单品|图案|宝宝|男|孩|季|春|夏|秋|冬|天气|锁骨|穿脱|脖|颈|腿|胳膊|臂|套|白|黑|红|蓝|粉|绿|黄|紫|灰|金|银|弹|透气|保暖|吸汗|防|抗|亲肤|手感|垂感|挺括|设计|面料|材质|领|袖|腰|摆|扣|纹|肩|口袋|褶|印|绣|色|款|格|条|花|纱|棉|麻|丝|绒|皮|毛|织|链|带|边|裁|型|版|长|短|宽|紧|修身|直筒|阔腿|开叉|镂空|拼接|背|胸|臀|兜|帽|衣|裙|裤|衫|系/u;

export const continuing =
  /^(?:而|且|同时|并|又|也|还|更|让|使|所以|因此|因而|从而|加上|再加上|搭配|配上|就|则|但|却|不过|然而|可以|能够|非常|十分|整体|彰显|展现|凸显|显得|尽显|打造|营造|增添|带来|修饰|衬托|遮)/u;

const clausePattern = /[^，。！？；,.!?;\s…~]+[，。！？；,.!?;…~]*/gu;
const minClause = 4;
const maxClause = 30;

/** Parse AdvertiseGen's `content` field: `key#value` pairs joined by `*`. */
export function parseContent(content: string): Array<readonly [string, string]> {
  return content
    .split('*')
    .map((pair) => {
      const at = pair.indexOf('#');
      return [pair.slice(0, at), pair.slice(at + 1)] as const;
    })
    .filter(([k, v]) => k.length > 0 && v.length > 0);
}

/** The clauses of a copy, each with its trailing punctuation. */
export function splitClauses(copy: string): string[] {
  return [...copy.matchAll(clausePattern)].map((m) => m[0].trim()).filter(Boolean);
}

/** Every value in `vocabulary` found in `text`, longest first, not overlapping. */
export function findValues(
  text: string,
  values: readonly string[],
): Array<{ readonly value: string; readonly at: number }> {
  const taken = new Uint8Array(text.length);
  const found: Array<{ value: string; at: number }> = [];
  for (const value of values) {
    let from = 0;
    for (;;) {
      const at = text.indexOf(value, from);
      if (at < 0) break;
      from = at + 1;
      let free = true;
      for (let i = at; i < at + value.length; i++) if (taken[i]) free = false;
      if (!free) continue;
      taken.fill(1, at, at + value.length);
      found.push({ value, at });
    }
  }
  return found.sort((a, b) => a.at - b.at);
}

/** Learn the copy model from records (see the module comment). Deterministic for its input. */
export function learnCopyModel(records: readonly CopyRecord[], source: string): CopyModel {
  const vocab = new Map<string, Set<string>>();
  for (const r of records) {
    for (const [k, v] of r.attributes) {
      if (k === typeKey) continue;
      if (!vocab.has(k)) vocab.set(k, new Set());
      vocab.get(k)!.add(v);
    }
  }
  // Every known value, longest first, so 阔腿裤 is matched before 阔腿.
  const allValues = [...new Set([...[...vocab.values()].flatMap((s) => [...s]), ...extraFactWords])]
    .filter((v) => v.length >= 2)
    .sort((a, b) => b.length - a.length || a.localeCompare(b));

  interface Building {
    templates: Map<string, ClauseTemplate>;
    opening: Set<string>;
    middle: Set<string>;
    closing: Set<string>;
    transitions: Record<string, Record<string, number>>;
  }
  const types = new Map<string, Building>();
  for (const r of records) {
    const type = r.attributes.find(([k]) => k === typeKey)?.[1];
    if (!type) continue;
    let model = types.get(type);
    if (!model) {
      model = {
        templates: new Map(),
        opening: new Set(),
        middle: new Set(),
        closing: new Set(),
        transitions: {},
      };
      types.set(type, model);
    }
    const own = new Map<string, string>();
    for (const [k, v] of r.attributes) if (k !== typeKey && !own.has(v)) own.set(v, k);
    const clauses = splitClauses(r.copy);
    const sequence: string[] = [startKey];
    for (const [i, clause] of clauses.entries()) {
      if (unsupportedClaim.test(clause) || dangling.test(clause)) continue;
      const found = findValues(clause, allValues);
      // A value the record does not have: the copy added a fact freely; never learn to say it.
      if (found.some((f) => !own.has(f.value))) continue;
      const length = Array.from(clause).length;
      const clean = length >= minClause && length <= maxClause && !/[A-Za-z]/.test(clause);
      if (found.length === 0) {
        if (!clean || detailWord.test(clause.replace(/上身|下身|衣橱|穿衣|衣着|身材|身形|整体|气质/gu, '')))
          continue;
        const bank =
          i === 0 && !continuing.test(clause)
            ? model.opening
            : i === clauses.length - 1
              ? model.closing
              : model.middle;
        bank.add(clause);
        continue;
      }
      const slots = found.map((f) => own.get(f.value)!);
      for (const key of slots) if (sequence.at(-1) !== key) sequence.push(key);
      if (!clean) continue;
      let text = '';
      let last = 0;
      for (const f of found) {
        text += `${clause.slice(last, f.at)}{${own.get(f.value)}}`;
        last = f.at + f.value.length;
      }
      text += clause.slice(last);
      if (!model.templates.has(text)) {
        model.templates.set(text, { text, slots, learnedValues: found.map((f) => f.value) });
      }
    }
    sequence.push(endKey);
    for (let i = 1; i < sequence.length; i++) {
      const from = sequence[i - 1]!;
      const to = sequence[i]!;
      model.transitions[from] ??= {};
      model.transitions[from][to] = (model.transitions[from][to] ?? 0) + 1;
    }
  }

  const sorted = (s: Set<string>) => [...s].sort();
  return {
    version: 1,
    source,
    records: records.length,
    vocabulary: Object.fromEntries([...vocab.entries()].sort().map(([k, s]) => [k, sorted(s)])),
    types: Object.fromEntries(
      [...types.entries()].sort().map(([type, m]) => [
        type,
        {
          templates: [...m.templates.values()].sort((a, b) => a.text.localeCompare(b.text)),
          opening: sorted(m.opening),
          middle: sorted(m.middle),
          closing: sorted(m.closing),
          transitions: m.transitions,
        },
      ]),
    ),
  };
}
