/**
 * Frequent itemsets and association rules for cross-sell ("customers who bought X also buy Y").
 *
 * FP-growth (Han, Pei & Yin, 2000) written for the V8 heap: items become dense integer ranks in
 * descending order of frequency, every FP-tree lives in flat typed arrays (one slot per node in
 * parallel item / count / parent / node-link arrays), and conditional trees are built straight
 * from the parent tree's node-links into a stack-allocated arena, so mining allocates nothing per
 * node and nothing per conditional pattern base beyond the arena's occasional growth. Itemsets are
 * collected as integer runs and turned into strings once, at the end.
 */

/** A set of items bought together in at least the minimum number of transactions. */
export interface FrequentItemset {
  /** The items, each once, in descending order of their own frequency (ties in code-unit order). */
  items: string[];
  /** Number of transactions that contain every item. */
  count: number;
  /** `count` divided by the number of transactions. */
  support: number;
}

/** The threshold, as a fraction of transactions or as an absolute count, and an optional size cap. */
export type FrequentItemsetOptions = (
  | {
      /** Smallest support (0..1) an itemset must reach: `count / transactions >= minSupport`. */
      minSupport: number;
      minCount?: undefined;
    }
  | {
      /** Smallest number of transactions (a positive integer) an itemset must occur in. */
      minCount: number;
      minSupport?: undefined;
    }
) & {
  /** Largest itemset size to report (a positive integer); unlimited when absent. */
  maxLength?: number;
};

/** "Customers who bought `antecedent` also bought `consequent`", with the standard measures. */
export interface AssociationRule {
  /** Items already in the basket, in code-unit order. */
  antecedent: string[];
  /** Items suggested, in code-unit order; disjoint from `antecedent`. */
  consequent: string[];
  /** Fraction of all transactions containing antecedent ∪ consequent. */
  support: number;
  /** P(consequent | antecedent) = count(A ∪ C) / count(A). */
  confidence: number;
  /** confidence / P(consequent) = count(A ∪ C) · n / (count(A) · count(C)); above 1 means affinity. */
  lift: number;
  /** Number of transactions containing antecedent ∪ consequent. */
  count: number;
}

/** Thresholds for {@link associationRules}. */
export interface AssociationRuleOptions {
  /** Smallest confidence (0..1) a rule must reach. */
  minConfidence: number;
  /** Smallest lift a rule must reach; 1 (the default) drops rules that are worse than chance. */
  minLift?: number;
  /** Largest number of items on the right-hand side (a positive integer); 1 by default. */
  maxConsequentSize?: number;
}

/**
 * Every itemset whose support reaches the threshold, with its count and support.
 *
 * Duplicate items within one transaction count once; empty transactions count towards the total.
 * The result is in mining order, deterministic for the same input; sort it if order matters.
 *
 * @throws RangeError when the threshold or `maxLength` is out of range, or both thresholds are given.
 */
export function frequentItemsets(
  transactions: ReadonlyArray<ReadonlyArray<string>>,
  options: FrequentItemsetOptions,
): FrequentItemset[] {
  const n = transactions.length;
  const minCount = resolveMinCount(options, n);
  const maxLength = resolveMaxLength(options.maxLength);
  if (n === 0) return [];

  // Pass 1: a dense id per distinct item (first-seen order) and the number of transactions holding
  // it; `stamp` remembers the last transaction that counted an id, so duplicates count once. The
  // transactions are kept as runs of distinct ids in `ids`, so pass 2 hashes no string again.
  const idOf = new Map<string, number>();
  const names: string[] = [];
  let counts = new Int32Array(256);
  let stamp = new Int32Array(256);
  let ids = new Int32Array(1024);
  const idEnd = new Int32Array(n);
  let nIds = 0;
  for (let t = 0; t < n; t++) {
    const transaction = transactions[t]!;
    if (nIds + transaction.length > ids.length) ids = grown(ids, nIds + transaction.length);
    for (const item of transaction) {
      let id = idOf.get(item);
      if (id === undefined) {
        id = names.length;
        idOf.set(item, id);
        names.push(item);
        if (id === counts.length) {
          counts = grown(counts, id + 1);
          stamp = grown(stamp, id + 1);
        }
      }
      if (stamp[id] !== t + 1) {
        stamp[id] = t + 1;
        counts[id]!++;
        ids[nIds++] = id;
      }
    }
    idEnd[t] = nIds;
  }

  // Frequent items ranked by descending count; rank order is the FP-tree's root-to-leaf order.
  const frequent: number[] = [];
  for (let id = 0; id < names.length; id++) if (counts[id]! >= minCount) frequent.push(id);
  frequent.sort((a, b) => counts[b]! - counts[a]! || compareStrings(names[a]!, names[b]!));
  const nFrequent = frequent.length;
  if (nFrequent === 0) return [];
  const rankOf = new Int32Array(names.length).fill(-1);
  const rankNames: string[] = new Array(nFrequent);
  for (let r = 0; r < nFrequent; r++) {
    const id = frequent[r]!;
    rankOf[id] = r;
    rankNames[r] = names[id]!;
  }

  // Pass 2: each transaction's frequent ranks in ascending order, compacted in place over `ids`
  // (run t is ids[start[t] .. start[t + 1])), then the runs sorted lexicographically: each one then
  // shares its longest common prefix with the run before it, so the main tree is built without
  // looking up children, and in depth-first order, which keeps a path's nodes close in memory.
  const start = new Int32Array(n + 1);
  let written = 0;
  for (let t = 0, at = 0; t < n; t++) {
    start[t] = written;
    const end = idEnd[t]!;
    for (; at < end; at++) {
      const rank = rankOf[ids[at]!]!;
      if (rank >= 0) ids[written++] = rank;
    }
    sortRun(ids, start[t]!, written);
  }
  start[n] = written;
  const order: number[] = [];
  for (let t = 0; t < n; t++) if (start[t + 1]! > start[t]!) order.push(t);
  order.sort((a, b) => compareRuns(ids, start, a, b));

  const miner = new Miner(nFrequent, minCount, maxLength, written + 1);
  const root = miner.buildMain(ids, start, order, nFrequent, written);
  miner.mine(root, 0, nFrequent, 0, !miner.branched);
  return miner.itemsets(rankNames, n);
}

/**
 * Rules A ⇒ C from frequent itemsets: for each itemset of two or more items, every split into a
 * non-empty antecedent and a consequent of at most `maxConsequentSize` items that reaches the
 * confidence and lift thresholds. Sorted best first: by lift, then confidence, then count.
 *
 * `itemsets` must hold the counts of the antecedent and the consequent of each rule, as the full
 * output of {@link frequentItemsets} does (every subset of a frequent itemset is frequent); a split
 * whose parts are missing is skipped.
 *
 * @throws RangeError when a threshold is out of range or `nTransactions` is not a positive integer.
 */
export function associationRules(
  itemsets: ReadonlyArray<{ readonly items: ReadonlyArray<string>; readonly count: number }>,
  nTransactions: number,
  options: AssociationRuleOptions,
): AssociationRule[] {
  const { minConfidence, minLift = 1, maxConsequentSize = 1 } = options;
  if (!Number.isInteger(nTransactions) || nTransactions < 1) {
    throw new RangeError(`nTransactions must be a positive integer, got ${nTransactions}`);
  }
  if (!(minConfidence >= 0 && minConfidence <= 1)) {
    throw new RangeError(`minConfidence must be within 0..1, got ${minConfidence}`);
  }
  if (!(minLift >= 0) || minLift === Number.POSITIVE_INFINITY) {
    throw new RangeError(`minLift must be a finite non-negative number, got ${minLift}`);
  }
  if (!Number.isInteger(maxConsequentSize) || maxConsequentSize < 1) {
    throw new RangeError(`maxConsequentSize must be a positive integer, got ${maxConsequentSize}`);
  }

  const sortedItems = itemsets.map((s) => [...s.items].sort(compareStrings));
  const countOf = new Map<string, number>();
  for (let i = 0; i < itemsets.length; i++) countOf.set(keyOf(sortedItems[i]!), itemsets[i]!.count);

  const rules: AssociationRule[] = [];
  const chosen: number[] = [];
  for (let i = 0; i < itemsets.length; i++) {
    const items = sortedItems[i]!;
    const m = items.length;
    if (m < 2) continue;
    const count = itemsets[i]!.count;
    const largest = Math.min(maxConsequentSize, m - 1);
    // Enumerate consequents as strictly increasing index combinations of size 1..largest.
    const visit = (start: number): void => {
      for (let k = start; k < m; k++) {
        chosen.push(k);
        const consequent = chosen.map((c) => items[c]!);
        const antecedent = items.filter((_, j) => !chosen.includes(j));
        const countA = countOf.get(keyOf(antecedent));
        const countC = countOf.get(keyOf(consequent));
        if (countA !== undefined && countC !== undefined && countA > 0 && countC > 0) {
          const confidence = count / countA;
          // One rounding only, so independent items give a lift of exactly 1.
          const lift = (count * nTransactions) / (countA * countC);
          if (confidence >= minConfidence && lift >= minLift) {
            rules.push({ antecedent, consequent, support: count / nTransactions, confidence, lift, count });
          }
        }
        if (chosen.length < largest) visit(k + 1);
        chosen.pop();
      }
    };
    visit(0);
  }
  return rules.sort(compareRules);
}

/**
 * "Bought X, also buy Y" for one product or a basket: the rules whose antecedent is contained in
 * `basket` and whose consequent holds nothing already in it, best first (lift, then confidence,
 * then count), keeping only the best rule for each consequent, at most `limit` of them.
 *
 * @throws RangeError when `limit` is not a non-negative integer.
 */
export function rulesFor(
  basket: string | ReadonlyArray<string>,
  rules: ReadonlyArray<AssociationRule>,
  limit = 10,
): AssociationRule[] {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  }
  const held = new Set(typeof basket === 'string' ? [basket] : basket);
  const matching = rules
    .filter((r) => r.antecedent.every((i) => held.has(i)) && !r.consequent.some((i) => held.has(i)))
    .sort(compareRules);
  const seen = new Set<string>();
  const best: AssociationRule[] = [];
  for (const rule of matching) {
    if (best.length >= limit) break;
    const key = keyOf([...rule.consequent].sort(compareStrings));
    if (seen.has(key)) continue;
    seen.add(key);
    best.push(rule);
  }
  return best;
}

/**
 * The mining state: one arena of FP-tree nodes and one of header tables, both used as stacks (a
 * conditional tree sits right above the tree it came from and is dropped when its mining returns),
 * scratch arrays shared by all levels, and the itemsets found so far as integer runs.
 *
 * A tree is (root node, header base, L): its items have local ids 0..L-1 in the global rank order,
 * so ids increase from the root down every path; `hGlobal` maps a local id back to its rank.
 */
class Miner {
  // Node arena: parallel arrays, one slot per node. `parent` of a root is -1.
  item: Int32Array;
  count: Int32Array;
  parent: Int32Array;
  link: Int32Array; // next node holding the same item in the same tree, or -1
  hasChild: Uint8Array;
  nodeTop = 0;

  // Header arena: first node, total count and global rank per local item id.
  hHead: Int32Array;
  hCount: Int32Array;
  hGlobal: Int32Array;
  headerTop = 0;

  /** Open-addressing (parent, item) → child table for the tree being built; -1 is empty. */
  private table = new Int32Array(1024);
  private mask = 0;
  /** True once the tree being built has a node with two children. */
  branched = false;

  // Scratch, indexed by local id (< nFrequent) or path position (paths hold distinct items).
  private readonly tally: Int32Array;
  private readonly remap: Int32Array;
  private readonly path: Int32Array;
  private readonly prefix: Int32Array;

  // Output: itemset i has ranks outItems[outStart[i] .. outStart[i + 1]) and count outCount[i].
  private outItems = new Int32Array(1024);
  private outStart = new Int32Array(257);
  private outCount = new Int32Array(256);
  private nOut = 0;

  constructor(
    nFrequent: number,
    private readonly minCount: number,
    private readonly maxLength: number,
    nodeCapacity: number,
  ) {
    const nodes = Math.max(nodeCapacity, 1024);
    this.item = new Int32Array(nodes);
    this.count = new Int32Array(nodes);
    this.parent = new Int32Array(nodes);
    this.link = new Int32Array(nodes);
    this.hasChild = new Uint8Array(nodes);
    const headers = Math.max(nFrequent * 4, 1024);
    this.hHead = new Int32Array(headers);
    this.hCount = new Int32Array(headers);
    this.hGlobal = new Int32Array(headers);
    this.tally = new Int32Array(nFrequent);
    this.remap = new Int32Array(nFrequent);
    this.path = new Int32Array(nFrequent);
    this.prefix = new Int32Array(nFrequent + 1);
  }

  /**
   * Start a tree of `nItems` items and at most `maxNodes` non-root nodes on top of the arenas, with
   * an empty child table unless `withTable` is false: returns its root; its header table is the last
   * `nItems` slots below `headerTop`. May replace the arena arrays: read them afresh after.
   */
  private beginTree(nItems: number, maxNodes: number, withTable = true): number {
    const needNodes = this.nodeTop + maxNodes + 1;
    if (needNodes > this.item.length) {
      this.item = grown(this.item, needNodes);
      this.count = grown(this.count, needNodes);
      this.parent = grown(this.parent, needNodes);
      this.link = grown(this.link, needNodes);
      const hasChild = new Uint8Array(this.item.length);
      hasChild.set(this.hasChild);
      this.hasChild = hasChild;
    }
    const needHeaders = this.headerTop + nItems;
    if (needHeaders > this.hHead.length) {
      this.hHead = grown(this.hHead, needHeaders);
      this.hCount = grown(this.hCount, needHeaders);
      this.hGlobal = grown(this.hGlobal, needHeaders);
    }
    this.hHead.fill(-1, this.headerTop, needHeaders);
    this.hCount.fill(0, this.headerTop, needHeaders);
    this.headerTop = needHeaders;

    if (withTable) {
      // Load factor at most 1/2.
      let size = 16;
      while (size < 2 * (maxNodes + 1)) size *= 2;
      if (size > this.table.length) this.table = new Int32Array(size);
      this.table.fill(-1, 0, size);
      this.mask = size - 1;
    }
    this.branched = false;

    const root = this.nodeTop++;
    this.item[root] = -1;
    this.count[root] = 0;
    this.parent[root] = -1;
    this.link[root] = -1;
    this.hasChild[root] = 0;
    return root;
  }

  /**
   * The main tree from lexicographically sorted runs of ascending ranks (local id = rank): nodes
   * shared with the previous run are reused, the rest are created below them. Returns the root;
   * the header table is at 0.
   */
  buildMain(
    runs: Int32Array,
    start: Int32Array,
    order: ReadonlyArray<number>,
    nItems: number,
    maxNodes: number,
  ): number {
    const root = this.beginTree(nItems, maxNodes, false);
    const { item, count, parent, link, hasChild, hHead, hCount, hGlobal } = this;
    for (let r = 0; r < nItems; r++) hGlobal[r] = r;
    const stack = this.path; // the previous run's nodes, by depth
    let prevStart = 0;
    let prevLen = 0;
    for (const t of order) {
      const s = start[t]!;
      const len = start[t + 1]! - s;
      const shared = Math.min(len, prevLen);
      let d = 0;
      while (d < shared && runs[s + d] === runs[prevStart + d]) d++;
      for (let k = 0; k < d; k++) count[stack[k]!]!++;
      let above = d === 0 ? root : stack[d - 1]!;
      for (let k = d; k < len; k++) {
        const r = runs[s + k]!;
        const node = this.nodeTop++;
        item[node] = r;
        count[node] = 1;
        parent[node] = above;
        hasChild[node] = 0;
        link[node] = hHead[r]!;
        hHead[r] = node;
        if (hasChild[above] === 1) this.branched = true;
        hasChild[above] = 1;
        stack[k] = node;
        above = node;
      }
      for (let k = 0; k < len; k++) hCount[runs[s + k]!]!++;
      prevStart = s;
      prevLen = len;
    }
    return root;
  }

  /**
   * Add `c` along the path of local ids `path[len - 1]` (next to the root) down to `path[0]`, as a
   * walk up from a node collects them, creating the nodes the tree lacks.
   */
  private insert(root: number, hBase: number, len: number, c: number): void {
    const { item, count, parent, link, hasChild, hHead, hCount, table, mask, path } = this;
    let node = root;
    for (let p = len - 1; p >= 0; p--) {
      const k = path[p]!;
      let h = (Math.imul(node, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca6b)) >>> 0;
      h = (h ^ (h >>> 15)) & mask;
      let child = table[h]!;
      while (child !== -1 && (parent[child] !== node || item[child] !== k)) {
        h = (h + 1) & mask;
        child = table[h]!;
      }
      if (child === -1) {
        child = this.nodeTop++;
        item[child] = k;
        count[child] = 0;
        parent[child] = node;
        hasChild[child] = 0;
        link[child] = hHead[hBase + k]!;
        hHead[hBase + k] = child;
        table[h] = child;
        if (hasChild[node] === 1) this.branched = true;
        hasChild[node] = 1;
      }
      count[child]! += c;
      hCount[hBase + k]! += c;
      node = child;
    }
  }

  /** Report every frequent itemset of the tree extended by the `depth` ranks in `prefix`. */
  mine(root: number, hBase: number, nItems: number, depth: number, singlePath: boolean): void {
    if (singlePath) {
      this.minePath(hBase, nItems, 0, depth);
      return;
    }
    const { minCount, maxLength } = this;
    for (let j = nItems - 1; j >= 0; j--) {
      this.prefix[depth] = this.hGlobal[hBase + j]!;
      this.emit(depth + 1, this.hCount[hBase + j]!);
      if (depth + 1 >= maxLength || j === 0) continue;

      // Conditional pattern base of j: the paths above its nodes, each weighted by the node's count.
      // The first walk tallies each item over those paths without copying them; the second inserts
      // each path's still-frequent items into the conditional tree.
      const { item, count, parent, link, tally, remap } = this;
      const head = this.hHead[hBase + j]!;
      let pathNodes = 0;
      for (let v = head; v !== -1; v = link[v]!) {
        const c = count[v]!;
        for (let u = parent[v]!; u !== root; u = parent[u]!) {
          tally[item[u]!]! += c;
          pathNodes++;
        }
      }
      let nLocal = 0;
      for (let k = 0; k < j; k++) {
        remap[k] = tally[k]! >= minCount ? nLocal++ : -1;
        tally[k] = 0;
      }
      if (nLocal === 0) continue;

      const nodeMark = this.nodeTop;
      const headerMark = this.headerTop;
      const childRoot = this.beginTree(nLocal, pathNodes);
      const childBase = this.headerTop - nLocal;
      for (let k = 0; k < j; k++) {
        const local = remap[k]!;
        if (local >= 0) this.hGlobal[childBase + local] = this.hGlobal[hBase + k]!;
      }
      // beginTree may have grown the node arena: read the arrays afresh.
      const item2 = this.item;
      const parent2 = this.parent;
      const link2 = this.link;
      const count2 = this.count;
      const path = this.path;
      for (let v = head; v !== -1; v = link2[v]!) {
        let len = 0;
        for (let u = parent2[v]!; u !== root; u = parent2[u]!) {
          const local = remap[item2[u]!]!;
          if (local >= 0) path[len++] = local;
        }
        if (len > 0) this.insert(childRoot, childBase, len, count2[v]!);
      }
      this.mine(childRoot, childBase, nLocal, depth + 1, !this.branched);
      this.nodeTop = nodeMark;
      this.headerTop = headerMark;
    }
  }

  /**
   * A single-path tree: every combination of its items is frequent, with the count of its deepest
   * item (counts only fall going down a path). Local ids are the path's order from the root.
   */
  private minePath(hBase: number, nItems: number, from: number, depth: number): void {
    for (let k = from; k < nItems; k++) {
      this.prefix[depth] = this.hGlobal[hBase + k]!;
      this.emit(depth + 1, this.hCount[hBase + k]!);
      if (depth + 1 < this.maxLength) this.minePath(hBase, nItems, k + 1, depth + 1);
    }
  }

  private emit(size: number, c: number): void {
    const at = this.outStart[this.nOut]!;
    if (at + size > this.outItems.length) this.outItems = grown(this.outItems, at + size);
    if (this.nOut + 2 > this.outStart.length) this.outStart = grown(this.outStart, this.nOut + 2);
    if (this.nOut + 1 > this.outCount.length) this.outCount = grown(this.outCount, this.nOut + 1);
    const { outItems, prefix } = this;
    for (let i = 0; i < size; i++) outItems[at + i] = prefix[i]!;
    this.outCount[this.nOut] = c;
    this.outStart[++this.nOut] = at + size;
  }

  /** The collected itemsets as strings, each sorted by rank (descending item frequency). */
  itemsets(rankNames: ReadonlyArray<string>, n: number): FrequentItemset[] {
    const { outItems, outStart, outCount, nOut } = this;
    const result: FrequentItemset[] = new Array(nOut);
    for (let i = 0; i < nOut; i++) {
      const start = outStart[i]!;
      const end = outStart[i + 1]!;
      // Insertion sort: itemsets are short.
      for (let a = start + 1; a < end; a++) {
        const x = outItems[a]!;
        let b = a - 1;
        while (b >= start && outItems[b]! > x) {
          outItems[b + 1] = outItems[b]!;
          b--;
        }
        outItems[b + 1] = x;
      }
      const items: string[] = new Array(end - start);
      for (let a = start; a < end; a++) items[a - start] = rankNames[outItems[a]!]!;
      const c = outCount[i]!;
      result[i] = { items, count: c, support: c / n };
    }
    return result;
  }
}

function resolveMinCount(options: FrequentItemsetOptions, n: number): number {
  const { minSupport, minCount } = options as { minSupport?: number; minCount?: number };
  if (minCount !== undefined) {
    if (minSupport !== undefined) throw new RangeError('give minSupport or minCount, not both');
    if (!Number.isInteger(minCount) || minCount < 1) {
      throw new RangeError(`minCount must be a positive integer, got ${minCount}`);
    }
    return minCount;
  }
  if (minSupport === undefined || !(minSupport >= 0 && minSupport <= 1)) {
    throw new RangeError(`minSupport must be within 0..1, got ${minSupport}`);
  }
  if (n === 0) return 1;
  // The smallest count c >= 1 with c / n >= minSupport, decided by the same floating-point
  // division a caller would use: Math.ceil(minSupport * n) alone is off by one for 0.07 · 100.
  let c = Math.max(1, Math.ceil(minSupport * n));
  while (c / n < minSupport) c++;
  while (c > 1 && (c - 1) / n >= minSupport) c--;
  return c;
}

function resolveMaxLength(maxLength: number | undefined): number {
  if (maxLength === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
  }
  return maxLength;
}

/** Sort a[from .. to) ascending: insertion sort for a basket's short runs, the built-in for long ones. */
function sortRun(a: Int32Array, from: number, to: number): void {
  if (to - from > 48) {
    a.subarray(from, to).sort();
    return;
  }
  for (let i = from + 1; i < to; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= from && a[j]! > x) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}

/** Lexicographic order of runs a and b; a proper prefix comes first. */
function compareRuns(runs: Int32Array, start: Int32Array, a: number, b: number): number {
  let i = start[a]!;
  let j = start[b]!;
  const endA = start[a + 1]!;
  const endB = start[b + 1]!;
  for (; i < endA && j < endB; i++, j++) {
    const d = runs[i]! - runs[j]!;
    if (d !== 0) return d;
  }
  return endA - i - (endB - j);
}

function grown(a: Int32Array, atLeast: number): Int32Array<ArrayBuffer> {
  let size = Math.max(a.length * 2, 16);
  while (size < atLeast) size *= 2;
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/** Code-unit order: locale-independent and the same everywhere. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Items are joined with a character that product ids do not contain. */
function keyOf(sortedItems: ReadonlyArray<string>): string {
  return sortedItems.join('\u0000');
}

function compareRules(a: AssociationRule, b: AssociationRule): number {
  return (
    b.lift - a.lift ||
    b.confidence - a.confidence ||
    b.count - a.count ||
    compareStrings(keyOf(a.antecedent), keyOf(b.antecedent)) ||
    compareStrings(keyOf(a.consequent), keyOf(b.consequent))
  );
}
