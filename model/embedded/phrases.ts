import type { Goal, Language } from '../contract';

/**
 * The embedded generator's phrase grammar. Slots: `{item}` (the product as the title, brand and
 * category, the category or the brand), `{adj}`, `{title}`, `{brand}`, `{category}`, `{price}`,
 * `{attr}` (one attribute value), `{interest}` (from the persona). A phrase is used only when
 * every slot it names can be filled. Phrases make no claim the data does not support (no
 * "ends today", no "low stock"): stock and deadlines are not in the brief.
 */
export interface GoalPhrases {
  /** Headline openers; the empty one keeps short headlines possible. */
  readonly leads: readonly string[];
  /** Headline cores; each names `{adj}` and `{item}`, so every combination reads differently. */
  readonly hooks: readonly string[];
  /** A body sentence that carries the goal. */
  readonly closers: readonly string[];
  readonly ctas: readonly string[];
}

export interface LanguagePhrases {
  readonly adjectives: readonly string[];
  /** Body sentences stating the product's title and price. */
  readonly facts: readonly string[];
  /** The same, for when the title is too long for the channel. */
  readonly shortFacts: readonly string[];
  readonly benefits: readonly string[];
  /** Opening body sentences for a persona's interest. */
  readonly personal: readonly string[];
  /** Opening body sentences when there is no persona. */
  readonly generic: readonly string[];
  readonly emoji: readonly string[];
  readonly goals: Record<Goal, GoalPhrases>;
}

const zh: LanguagePhrases = {
  adjectives: ['高颜值', '人气', '口碑', '必备', '实用', '精致', '热门', '宝藏', '百搭', '超值'],
  facts: [
    '{title}，到手价{price}。',
    '{brand}{title}，现价{price}。',
    '{title}现售{price}。',
    '只需{price}，即可拥有{title}。',
    '{title}，价格{price}。',
    '{title}，{price}就能带回家。',
  ],
  shortFacts: ['{item}，仅{price}。', '{item}现价{price}。', '{price}入手{item}。'],
  benefits: [
    '品质出众，细节用心。',
    '颜值与实用兼得。',
    '{attr}，正合你意。',
    '口碑好评不断。',
    '日常使用更省心。',
    '设计简约，百搭耐看。',
    '精选{attr}款式。',
    '用过的人都说好。',
  ],
  personal: [
    '知道你喜欢{interest}，特别为你挑选。',
    '为热爱{interest}的你准备。',
    '{interest}爱好者一定会喜欢。',
  ],
  generic: ['为你精心挑选。', '相信你会喜欢。', '这次的推荐很特别。'],
  emoji: ['✨', '🎉', '💝', '👀', '🛍️'],
  goals: {
    recommendation: {
      leads: [
        '',
        '为你精选｜',
        '猜你喜欢｜',
        '今日推荐：',
        '好物种草：',
        '私藏好物｜',
        '懂你的推荐：',
        '编辑精选：',
      ],
      hooks: [
        '这款{adj}{item}很适合你',
        '为你挑好的{adj}{item}',
        '{adj}{item}，值得一试',
        '你可能会爱上的{adj}{item}',
        '{adj}{item}上榜啦',
        '懂你的{adj}{item}',
        '今天就看这款{adj}{item}',
        '{adj}{item}，口碑之选',
        '发现{adj}{item}',
        '{adj}{item}，{price}带回家',
      ],
      closers: ['根据你的喜好精心挑选。', '先收藏起来慢慢看吧。', '和你的品味很搭。', '看看它是不是你的菜。'],
      ctas: ['立即查看', '去看看', '马上了解', '点击查看详情', '看看是否适合你'],
    },
    promotion: {
      leads: [
        '',
        '特惠｜',
        '省钱提醒：',
        '优惠来了！',
        '好价速递：',
        '福利来了：',
        '划算好物｜',
        '优惠提醒：',
      ],
      hooks: [
        '{adj}{item}到手价{price}',
        '{adj}{item}限时优惠',
        '{adj}{item}好价来袭',
        '只要{price}，{adj}{item}带回家',
        '{adj}{item}特惠中',
        '{adj}{item}好价别错过',
        '{adj}{item}折扣开抢',
        '好价入手{adj}{item}',
        '{adj}{item}仅需{price}',
        '{adj}{item}优惠进行时',
      ],
      closers: ['优惠期间下单最划算。', '好价难得，别错过。', '现在入手正是时候。', '趁优惠带它回家吧。'],
      ctas: ['立即抢购', '马上下单', '领券购买', '去抢优惠', '立即入手'],
    },
    member_exclusive: {
      leads: [
        '',
        '会员专享｜',
        '尊享礼遇：',
        '专属福利｜',
        'VIP特权：',
        '会员限定：',
        '给会员的礼物：',
        '会员优先：',
      ],
      hooks: [
        '{adj}{item}会员专享价{price}',
        '会员专属的{adj}{item}',
        '{adj}{item}会员限定',
        '为会员准备的{adj}{item}',
        '尊享{adj}{item}',
        '会员独享{adj}{item}',
        '{adj}{item}专属礼遇',
        '你的会员福利{adj}{item}',
        '会员优先购{adj}{item}',
        '{adj}{item}会员特惠',
      ],
      closers: [
        '此优惠仅限会员享有。',
        '感谢你一直以来的支持。',
        '登录即可查看专属价格。',
        '专为会员准备的心意。',
      ],
      ctas: ['领取专属福利', '会员专享购买', '立即尊享', '查看会员价', '马上领取'],
    },
    win_back: {
      leads: ['', '好久不见｜', '想你了！', '欢迎回来：', '回来看看：', '老朋友，', '久违了！', '等你回来：'],
      hooks: [
        '{adj}{item}在等你回来',
        '回来看看{adj}{item}',
        '为你留着的{adj}{item}',
        '好久不见，{adj}{item}等你',
        '{adj}{item}，欢迎回来',
        '回归专享{adj}{item}',
        '{adj}{item}想你了',
        '你错过的{adj}{item}',
        '重新发现{adj}{item}',
        '老朋友专享{adj}{item}',
      ],
      closers: [
        '回来逛逛，总有新发现。',
        '期待再次为你服务。',
        '这段时间我们一直在准备好物。',
        '欢迎随时回来看看。',
      ],
      ctas: ['回来看看', '领取回归礼', '重新逛逛', '立即回归', '查看好物'],
    },
    new_arrival: {
      leads: ['', '新品上架｜', '首发！', '上新啦：', '新鲜到货：', '抢先看：', '新品速递：', '本季新品｜'],
      hooks: [
        '{adj}{item}全新上市',
        '新品{adj}{item}来了',
        '{adj}{item}首发',
        '新款{adj}{item}来了',
        '尝鲜{adj}{item}',
        '{adj}{item}刚刚上架',
        '{adj}{item}新品价{price}',
        '抢先看{adj}{item}',
        '{adj}{item}上新啦',
        '全新{adj}{item}等你挑',
      ],
      closers: ['抢先体验最新款式。', '这一季的新宠就是它。', '第一时间为你送上。', '新品已就位，等你来看。'],
      ctas: ['抢先看新品', '立即尝鲜', '查看新品', '抢先购买', '先睹为快'],
    },
    cart_recovery: {
      leads: [
        '',
        '购物车提醒｜',
        '别忘了它：',
        '还在犹豫吗？',
        '宝贝在等你：',
        '温馨提醒：',
        '差一步：',
        '小提醒：',
      ],
      hooks: [
        '{adj}{item}还在购物车里',
        '你的{adj}{item}还没结算',
        '{adj}{item}等你带回家',
        '{adj}{item}还在等你',
        '别让{adj}{item}溜走',
        '{price}的{adj}{item}还在等你',
        '心动的{adj}{item}别错过',
        '{adj}{item}别再犹豫',
        '购物车里的{adj}{item}',
        '完成{adj}{item}的订单',
      ],
      closers: ['现在结算，早日到手。', '别让心动变遗憾。', '只差一步就是你的了。', '结算只需几秒钟。'],
      ctas: ['去结算', '完成购买', '立即结算', '返回购物车', '现在下单'],
    },
  },
};

const en: LanguagePhrases = {
  // All start with a consonant, so "a {adj} ..." always reads right.
  adjectives: [
    'stylish',
    'popular',
    'top-rated',
    'must-have',
    'smart',
    'premium',
    'trending',
    'versatile',
    'great-value',
    'standout',
  ],
  facts: [
    '{title} is now {price}.',
    '{brand} {title} for {price}.',
    'Get {title} for just {price}.',
    '{title}: {price}.',
    '{title} at {price}.',
    'Take home {title} for {price}.',
  ],
  shortFacts: ['{item} for {price}.', 'Get the {item} at {price}.', '{item}, now {price}.'],
  benefits: [
    'Quality you can feel.',
    'Stylish and practical.',
    'Made to last.',
    'Loved by customers.',
    'Great value for money.',
    'Easy to use every day.',
    'Comes in {attr}.',
    'Designed with care.',
  ],
  personal: [
    'Because you love {interest}.',
    'Perfect for a {interest} fan like you.',
    'Picked with your love of {interest} in mind.',
  ],
  generic: ['Picked just for you.', 'We think you will like it.', 'Something special for you.'],
  emoji: ['✨', '🎉', '💝', '👀', '🛍️'],
  goals: {
    recommendation: {
      leads: [
        '',
        'Picked for you:',
        'Top pick:',
        'For you:',
        'Handpicked:',
        'Our pick:',
        'Today:',
        'Curated:',
      ],
      hooks: [
        'A {adj} {item} for you',
        'Meet the {adj} {item}',
        'Try the {adj} {item}',
        'The {adj} {item}, picked for you',
        'This {adj} {item} is worth a look',
        'You may love this {adj} {item}',
        'Our {adj} {item} pick',
        'Discover the {adj} {item}',
        'The {adj} {item} you need',
        'The {adj} {item} for {price}',
      ],
      closers: [
        'Chosen to match your taste.',
        'Save it for later or take a look now.',
        'It suits what you like.',
        'See if it is right for you.',
      ],
      ctas: ['Take a look', 'See details', 'Discover it', 'Shop now', 'Find out more'],
    },
    promotion: {
      leads: [
        '',
        'Deal alert:',
        'Sale:',
        'Special offer:',
        'Good price:',
        'Offer:',
        'Hot deal:',
        'Save now:',
      ],
      hooks: [
        'The {adj} {item} now {price}',
        'Save on the {adj} {item}',
        'The {adj} {item} on sale',
        'Only {price} for the {adj} {item}',
        'A deal on the {adj} {item}',
        'The {adj} {item} at a better price',
        'Grab the {adj} {item} today',
        'The {adj} {item} for just {price}',
        'Good price on the {adj} {item}',
        'The {adj} {item} deal is live',
      ],
      closers: [
        'A good time to buy.',
        'Treat yourself while the offer lasts.',
        'Great value, right now.',
        'Order now and enjoy the deal.',
      ],
      ctas: ['Shop the sale', 'Grab the deal', 'Buy now', 'Claim your discount', 'Save now'],
    },
    member_exclusive: {
      leads: [
        '',
        'Members only:',
        'Exclusive:',
        'VIP:',
        'For members:',
        'Your perk:',
        'Member access:',
        'Insider:',
      ],
      hooks: [
        'Member price on the {adj} {item}',
        'Your {adj} {item} perk',
        'Members get the {adj} {item}',
        'Exclusive {adj} {item} access',
        'The {adj} {item} for members',
        'Unlock the {adj} {item}',
        'A VIP deal on the {adj} {item}',
        'Your exclusive {adj} {item}',
        'Early access to the {adj} {item}',
        'The {adj} {item} as a member treat',
      ],
      closers: [
        'This offer is for members only.',
        'Thanks for being with us.',
        'Sign in to see your price.',
        'A thank-you for our members.',
      ],
      ctas: ['Claim my perk', 'Shop as a member', 'Unlock offer', 'See member price', 'Redeem now'],
    },
    win_back: {
      leads: [
        '',
        'We miss you!',
        'Welcome back!',
        'Been a while?',
        'Hey again!',
        'Come back:',
        'Hello again:',
        'Long time!',
      ],
      hooks: [
        'The {adj} {item} missed you',
        'Come back to the {adj} {item}',
        'Your {adj} {item} is waiting',
        'We saved the {adj} {item}',
        'Rediscover the {adj} {item}',
        'Still love the {adj} {item}?',
        'Back for the {adj} {item}?',
        'A {adj} {item} to welcome you',
        'The {adj} {item} is here for you',
        'Return to the {adj} {item}',
      ],
      closers: [
        'Come back and see what is new.',
        'We would love to see you again.',
        'There is always something to discover.',
        'Drop by any time.',
      ],
      ctas: ['Come back and shop', 'Claim my gift', 'See what is new', 'Return now', 'Browse again'],
    },
    new_arrival: {
      leads: [
        '',
        'Just landed:',
        'New in:',
        'Fresh drop:',
        'First look:',
        'Now available:',
        'Brand new:',
        'Out now:',
      ],
      hooks: [
        'The new {adj} {item}',
        'The {adj} {item} just landed',
        'Meet the new {adj} {item}',
        'A fresh {adj} {item} is here',
        'First look at the {adj} {item}',
        'Be first to try the {adj} {item}',
        'The {adj} {item} is now in',
        'The {adj} {item} debuts at {price}',
        'Just arrived, the {adj} {item}',
        'Hello, {adj} {item}',
      ],
      closers: [
        'Be among the first to try it.',
        'The newest addition to the range.',
        'Fresh in, just for you.',
        'This season starts here.',
      ],
      ctas: ['Shop new arrivals', 'Be the first', 'See what is new', 'Explore now', 'Get it first'],
    },
    cart_recovery: {
      leads: [
        '',
        'Still thinking?',
        "Don't forget:",
        'Almost yours:',
        'Reminder:',
        'Heads up:',
        'Left behind?',
        'Quick reminder:',
      ],
      hooks: [
        'Your {adj} {item} is waiting',
        'Still want the {adj} {item}?',
        'The {adj} {item} is in your cart',
        'Finish your {adj} {item} order',
        "Don't miss the {adj} {item}",
        'The {adj} {item} is one step away',
        'Your {adj} {item} for {price}',
        'Complete the {adj} {item} order',
        'The {adj} {item} is almost yours',
        'Keep the {adj} {item} in mind',
      ],
      closers: [
        'Check out in a few taps.',
        'You are one step away.',
        'Finish your order whenever you are ready.',
        'It is still in your cart.',
      ],
      ctas: ['Complete my order', 'Return to cart', 'Check out now', 'Finish checkout', 'Buy it now'],
    },
  },
};

export const phrases: Record<Language, LanguagePhrases> = { zh, en };
