import { Rng } from '../../../core/random';
import {
  type CopyRecord,
  learnCopyModel,
  parseContent,
  splitClauses,
} from '../../../model/embedded/copy-model';
import { shortClauses, typeModel, writeZh } from '../../../model/embedded/zh-writer';

const record = (content: string, copy: string): CopyRecord => ({ attributes: parseContent(content), copy });

// A small fixture in AdvertiseGen's shape (written for the test, not taken from the data set).
const records = [
  record('类型#裙*颜色#白色*材质#雪纺', '这款连衣裙采用雪纺面料，白色的裙身清新干净，穿着舒适自在。'),
  record('类型#裙*颜色#黑色*裙长#长裙', '黑色的长裙很显气质，搭配红色的腰带更显腰身，优雅大方。'),
  record('类型#裙*颜色#红色*材质#棉', '红色的裙身十分亮眼，棉质面料柔软，人气爆款，穿着舒适自在。'),
  record('类型#裤*裤型#阔腿裤*颜色#黑色', '黑色的阔腿裤，行走之间很有气场，时尚百搭。'),
];
const model = learnCopyModel(records, 'test fixture');
const skirt = typeModel(model, '裙')!;

describe('learning the copy model', () => {
  it('splits copy into clauses with their punctuation', () => {
    expect(splitClauses('白色的裙身，清新干净。好看！')).toEqual(['白色的裙身，', '清新干净。', '好看！']);
  });

  it('slots the record’s own values out of its clauses', () => {
    const texts = skirt.templates.map((t) => t.text);
    expect(texts).toContain('这款连衣裙采用{材质}面料，');
    expect(texts).toContain('{颜色}的{裙长}很显气质，');
    expect(skirt.templates.find((t) => t.text === '{颜色}的{裙长}很显气质，')?.slots).toEqual([
      '颜色',
      '裙长',
    ]);
  });

  it('never learns a clause naming a value the record does not have', () => {
    // 红色 is another record's colour: the 黑色 record's "搭配红色的腰带" clause is dropped.
    expect(skirt.templates.some((t) => t.text.includes('腰带'))).toBe(false);
  });

  it('never learns an unsupported claim', () => {
    const all = [...skirt.templates.map((t) => t.text), ...skirt.opening, ...skirt.middle, ...skirt.closing];
    expect(all.some((t) => /人气|爆款/.test(t))).toBe(false);
  });

  it('counts the order in which copy mentions attributes', () => {
    expect(skirt.transitions['START']?.['材质']).toBe(1);
    expect(skirt.transitions['颜色']?.['裙长']).toBe(1);
  });

  it('keeps each garment type apart', () => {
    expect(Object.keys(model.types).sort()).toEqual(['裙', '裤']);
  });
});

describe('writing from the copy model', () => {
  const item = {
    type: '裙',
    attributes: [
      ['颜色', '蓝色'],
      ['材质', '棉'],
    ] as const,
  };
  const options = { maxChars: 120, targetChars: 60 };

  it('states the product’s own values and no other colour or material', () => {
    for (let seed = 0; seed < 20; seed++) {
      const { text, facts } = writeZh(skirt, item, new Rng(seed), options);
      expect(text).toMatch(/蓝色|棉/);
      expect(text).not.toMatch(/白色|黑色|红色|雪纺/);
      for (const f of facts) expect(text).toContain(f);
    }
  });

  it('is deterministic for a seed', () => {
    expect(writeZh(skirt, item, new Rng(5), options)).toEqual(writeZh(skirt, item, new Rng(5), options));
  });

  it('keeps within the character limit and ends a sentence', () => {
    for (let seed = 0; seed < 20; seed++) {
      const { text } = writeZh(skirt, item, new Rng(seed), { maxChars: 20, targetChars: 20 });
      expect(Array.from(text).length).toBeLessThanOrEqual(20);
      if (text) expect(text).toMatch(/[。！？]$/);
    }
  });

  it('offers short clauses for headlines with the product’s values', () => {
    const clauses = shortClauses(skirt, item, 16, 5);
    expect(clauses.length).toBeGreaterThan(0);
    for (const c of clauses) expect(c.text).toMatch(/蓝色|棉/);
  });
});
