/**
 * Product categories for catalogs that have none, derived from the product description.
 *
 * The method, for the UCI Online Retail descriptions (upper-case English gift-shop names):
 * 1. Stock codes that are not products (postage, fees, manual adjustments, vouchers, samples)
 *    are `non-product`: kept in spend, left out of baskets and affinities.
 * 2. Otherwise the description's words are matched against an ordered keyword table; the first
 *    category with a matching word or phrase wins. The order puts occasion (Christmas) before
 *    object types, and specific objects (lunch bag) before generic ones (bag).
 * 3. A description no keyword matches is `other`.
 * The coverage on the whole data set (share of product lines that get a category other than
 * `other`) is printed by `bench/profile-online-retail.ts`.
 */
export interface CategoryRule {
  readonly id: string;
  readonly en: string;
  readonly zh: string;
  readonly keywords: readonly string[];
}

export const categoryRules: readonly CategoryRule[] = [
  {
    id: 'christmas',
    en: 'Christmas',
    zh: '圣诞节庆',
    keywords: ['CHRISTMAS', 'XMAS', 'ADVENT', 'SANTA', 'REINDEER', 'SNOWFLAKE', 'NATIVITY', 'BAUBLE'],
  },
  { id: 'easter', en: 'Easter', zh: '复活节', keywords: ['EASTER', 'BUNNY', 'CHICK'] },
  {
    id: 'bags',
    en: 'bags',
    zh: '包袋',
    keywords: ['BAG', 'BAGS', 'SHOPPER', 'TOTE', 'PURSE', 'WALLET', 'RUCKSACK', 'BACKPACK', 'SATCHEL'],
  },
  {
    id: 'lunch-storage',
    en: 'lunch boxes & storage',
    zh: '餐盒收纳',
    keywords: [
      'LUNCH BOX',
      'STORAGE',
      'BOX',
      'BOXES',
      'TIN',
      'TINS',
      'JAR',
      'JARS',
      'BASKET',
      'DRAWER',
      'CABINET',
      'CRATE',
      'TRUNK',
      'HAMPER',
    ],
  },
  {
    id: 'lighting',
    en: 'lights & candles',
    zh: '灯饰蜡烛',
    keywords: [
      'LIGHT',
      'LIGHTS',
      'LANTERN',
      'CANDLE',
      'CANDLES',
      'T-LIGHT',
      'TEALIGHT',
      'LAMP',
      'CANDLEHOLDER',
      'INCENSE',
    ],
  },
  {
    id: 'baking',
    en: 'baking & kitchen',
    zh: '烘焙厨房',
    keywords: [
      'CAKE',
      'CAKES',
      'BAKING',
      'CAKESTAND',
      'COOKIE',
      'CUTTERS',
      'APRON',
      'KITCHEN',
      'PANTRY',
      'SCALES',
      'OVEN',
      'GLOVE',
      'TEA TOWEL',
      'TEA TOWELS',
      'RECIPE',
      'JELLY',
      'MOULD',
      'SPOON',
      'SPOONS',
      'CHOPSTICKS',
      'COASTER',
      'COASTERS',
    ],
  },
  {
    id: 'tableware',
    en: 'tableware',
    zh: '杯盘餐具',
    keywords: [
      'MUG',
      'MUGS',
      'CUP',
      'CUPS',
      'TEACUP',
      'SAUCER',
      'PLATE',
      'PLATES',
      'BOWL',
      'BOWLS',
      'JUG',
      'TEAPOT',
      'CUTLERY',
      'NAPKINS',
      'NAPKIN',
      'BEAKER',
      'GLASS',
      'GLASSES',
      'TUMBLER',
      'STRAWS',
      'TRAY',
      'DOILY',
      'DOILIES',
      'PLACEMAT',
      'PLACEMATS',
    ],
  },
  {
    id: 'stationery',
    en: 'cards & stationery',
    zh: '贺卡文具',
    keywords: [
      'CARD',
      'CARDS',
      'WRAP',
      'PAPER',
      'NOTEBOOK',
      'PENCIL',
      'PENCILS',
      'PEN',
      'PENS',
      'STICKER',
      'STICKERS',
      'TAPE',
      'ENVELOPE',
      'ENVELOPES',
      'JOURNAL',
      'DIARY',
      'CALENDAR',
      'ERASER',
      'RUBBER',
      'CHALK',
      'CHALKBOARD',
      'MEMO',
      'NOTEPAD',
      'BOOK',
      'BOOKMARK',
      'STAMP',
      'STATIONERY',
      'POSTCARD',
    ],
  },
  {
    id: 'party',
    en: 'party & gifts',
    zh: '派对礼品',
    keywords: [
      'PARTY',
      'BUNTING',
      'GARLAND',
      'BALLOON',
      'BALLOONS',
      'GIFT',
      'RIBBON',
      'RIBBONS',
      'CONFETTI',
      'BIRTHDAY',
      'WEDDING',
      'CRACKER',
      'CRACKERS',
      'PINATA',
      'INVITES',
    ],
  },
  {
    id: 'kids',
    en: 'toys & kids',
    zh: '玩具童趣',
    keywords: [
      'TOY',
      'TOYS',
      'DOLL',
      'DOLLY',
      'DOLLS',
      'CHILDRENS',
      "CHILDREN'S",
      'KIDS',
      'GAME',
      'GAMES',
      'PUZZLE',
      'JIGSAW',
      'SPACEBOY',
      'CIRCUS',
      'DINOSAUR',
      'PLAYHOUSE',
      'TEDDY',
      'SOLDIER',
      'SKIPPING',
      'RATTLE',
      'BABY',
      'DOMINOES',
      'MARBLES',
      'KITE',
      'SPINNING',
    ],
  },
  {
    id: 'garden',
    en: 'garden & outdoor',
    zh: '园艺户外',
    keywords: [
      'GARDEN',
      'PLANT',
      'PLANTER',
      'WATERING',
      'HERB',
      'FEEDER',
      'BIRDHOUSE',
      'PARASOL',
      'PICNIC',
      'THERMOMETER',
      'WINDMILL',
      'FLOWER POT',
      'POTS',
      'SEED',
      'SEEDS',
      'TROWEL',
    ],
  },
  {
    id: 'bath',
    en: 'bath & wellbeing',
    zh: '卫浴个护',
    keywords: [
      'BATHROOM',
      'HOT WATER BOTTLE',
      'SOAP',
      'TISSUES',
      'PLASTERS',
      'TOWEL',
      'TOILETRY',
      'SPONGE',
      'BATH',
      'WASHBAG',
      'HAND WARMER',
      'LIP',
      'NAIL',
    ],
  },
  {
    id: 'accessories',
    en: 'jewellery & accessories',
    zh: '饰品配件',
    keywords: [
      'NECKLACE',
      'BRACELET',
      'EARRINGS',
      'HAIR',
      'HAIRCLIP',
      'JEWEL',
      'JEWELLERY',
      'CHARM',
      'UMBRELLA',
      'BROOCH',
      'BEADS',
      'SCARF',
      'HAT',
      'GLOVES',
      'SUNGLASSES',
      'KEYRING',
      'KEY RING',
      'PASSPORT',
      'MAKE UP',
      'COMPACT',
      'MIRROR COMPACT',
    ],
  },
  {
    id: 'crafts',
    en: 'crafts & sewing',
    zh: '手工布艺',
    keywords: [
      'SEWING',
      'KNITTING',
      'FELTCRAFT',
      'CRAFT',
      'FABRIC',
      'BUTTONS',
      'NEEDLE',
      'THREAD',
      'EMBROIDERY',
      'PAINT',
      'PAINTING',
      'COLOURING',
      'CROCHET',
    ],
  },
  {
    id: 'home-decor',
    en: 'home decor',
    zh: '家居装饰',
    keywords: [
      'SIGN',
      'FRAME',
      'CLOCK',
      'MIRROR',
      'DOORMAT',
      'CUSHION',
      'DECORATION',
      'HOOK',
      'HOOKS',
      'KNOB',
      'KNOBS',
      'WALL',
      'ORNAMENT',
      'HANGING',
      'HANGER',
      'HEART',
      'HEARTS',
      'WREATH',
      'VASE',
      'FLOWERS',
      'DOORSTOP',
      'PLAQUE',
      'CHIME',
      'CHIMES',
      'STAND',
      'RACK',
      'SHELF',
      'CURTAIN',
      'BLANKET',
      'THROW',
      'RUG',
      'QUILT',
      'PICTURE',
      'PHOTO',
      'MAGNET',
      'MAGNETS',
      'BELL',
      'BELLS',
      'DECORATIVE',
      'CHANDELIER',
      'FAN',
    ],
  },
];

export const nonProduct = { id: 'non-product', en: 'non-product charges', zh: '非商品费用' } as const;
export const otherCategory = { id: 'other', en: 'other gifts', zh: '其他礼品' } as const;

const nonProductCodes = new Set([
  'POST',
  'DOT',
  'M',
  'C2',
  'D',
  'S',
  'BANK CHARGES',
  'AMAZONFEE',
  'CRUK',
  'PADS',
  'B',
]);

/** Stock codes of charges, fees, adjustments and vouchers rather than goods. */
export function isNonProductCode(stockCode: string): boolean {
  const code = stockCode.trim().toUpperCase();
  return nonProductCodes.has(code) || code.startsWith('DCGS') || code.startsWith('GIFT_');
}

// Phrases first (longest), then single words, so "LUNCH BOX" outranks "BOX" within a rule.
const compiled = categoryRules.map((rule) => ({
  rule,
  phrases: rule.keywords.filter((k) => k.includes(' ')),
  words: new Set(rule.keywords.filter((k) => !k.includes(' '))),
}));

const memo = new Map<string, string>();

/** The category id of a product from its description (see the method above). */
export function categoryOfDescription(description: string, stockCode = ''): string {
  if (stockCode && isNonProductCode(stockCode)) return nonProduct.id;
  let category = memo.get(description);
  if (category === undefined) {
    category = matchCategory(description);
    if (memo.size > 200_000) memo.clear();
    memo.set(description, category);
  }
  return category;
}

function matchCategory(description: string): string {
  const text = ` ${description
    .toUpperCase()
    .replace(/[^A-Z0-9'\- ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()} `;
  const words = text.trim().split(' ');
  for (const { rule, phrases, words: keywords } of compiled) {
    if (phrases.some((phrase) => text.includes(` ${phrase} `))) return rule.id;
    if (words.some((word) => keywords.has(word) || keywords.has(word.replace(/S$/, '')))) return rule.id;
  }
  return otherCategory.id;
}

/** Readable names of a category id in English and Chinese; unknown ids read as themselves. */
export function categoryName(id: string): { en: string; zh: string } {
  const rule = categoryRules.find((r) => r.id === id);
  if (rule) return { en: rule.en, zh: rule.zh };
  if (id === nonProduct.id) return { en: nonProduct.en, zh: nonProduct.zh };
  if (id === otherCategory.id) return { en: otherCategory.en, zh: otherCategory.zh };
  return { en: id, zh: id };
}
