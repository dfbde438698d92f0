import type { Goal } from '../contract';

/**
 * The embedded generator's phrase grammar. Slots: `{item}` (the product as the title, brand and
 * category, or the category; never the brand alone), `{adj}`, `{title}`, `{brand}`, `{category}`, `{price}`,
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

const en: LanguagePhrases = {
  // All start with a consonant, so "a {adj} ..." always reads right.
  adjectives: [
    'stylish',
    'smart',
    'versatile',
    'standout',
    'sleek',
    'classic',
    'handy',
    'fresh',
    'go-to',
    'feel-good',
    'bold',
    'neat',
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
    'Stylish and practical.',
    'Comes in {attr}.',
    'Designed with care.',
    'Made by {brand}, with care.',
    'Easy to pair, easy to love.',
    'Simple, smart and made to enjoy.',
  ],
  personal: [
    'Because you love {interest}.',
    'Perfect for a {interest} fan like you.',
    'Picked with your love of {interest} in mind.',
  ],
  generic: [
    'Picked just for you.',
    'We think you will like it.',
    'Something special for you.',
    'Here is one worth a look.',
    'A little something for your day.',
  ],
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
        'The {adj} {item} for just {price}',
        'Good price on the {adj} {item}',
        'The {adj} {item} deal is live',
      ],
      closers: ['A good time to buy.', 'Great value, right now.', 'Order now and enjoy the deal.'],
      ctas: ['Shop the sale', 'Grab the deal', 'Buy now', 'See the offer', 'Save now'],
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
      ctas: ['Come back and shop', 'See what is new', 'Return now', 'Browse again'],
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

/** English only: Chinese copy is written from the learned copy model (zh-copy.ts). */
export const phrases: { readonly en: LanguagePhrases } = { en };
