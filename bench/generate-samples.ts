/**
 * Ten variants per language per goal from the embedded generator, to read as a marketer would
 * before sending: zh for ten AdvertiseGen dev attribute sets (no prices: the data has none), en
 * for ten Myntra products with their INR prices. Email channel, friendly tone, one variant each.
 *
 *   npx tsx bench/generate-samples.ts > samples.md
 */
import { Rng } from '../core/random';
import { type BriefProduct, type CopyBrief, goals } from '../model/contract';
import { composeCopy } from '../model/embedded/compose';
import { advertiseGenProduct, loadAdvertiseGen, loadMyntra, sampleIndices } from './generate-data';

const dev = loadAdvertiseGen();
const myntra = loadMyntra();
const zh: BriefProduct[] = sampleIndices(dev.length, 10, new Rng(11)).map((i) => {
  const p = advertiseGenProduct(dev[i]!, `adgen-${i}`);
  return {
    productId: p.productId,
    title: p.title,
    category: p.category,
    price: 0,
    attributes: p.attributes as Record<string, string>,
  };
});
const en: BriefProduct[] = sampleIndices(myntra.length, 10, new Rng(12)).map((i) => {
  const m = myntra[i]!;
  return {
    productId: m.product.productId,
    title: m.product.title,
    category: m.type,
    price: m.product.price,
    currency: 'INR',
    brand: m.brand,
    attributes: Object.fromEntries(
      Object.entries(m.product.attributes ?? {}).map(([k, v]) => [k, String(v)]),
    ),
  };
});
for (const [language, products] of [
  ['zh', zh],
  ['en', en],
] as const) {
  for (const goal of goals) {
    console.log(`\n### ${language} · ${goal}\n`);
    for (const [i, product] of products.entries()) {
      const brief: CopyBrief = {
        language,
        goal,
        channel: 'email',
        tone: 'friendly',
        variants: 1,
        products: [product],
      };
      const v = composeCopy(brief, 1000 + i).variants[0]!;
      console.log(`${i + 1}. **${v.headline}** — ${v.body} [${v.callToAction}]`);
    }
  }
}
