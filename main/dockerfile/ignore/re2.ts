// The slice of Go's regexp (RE2 syntax, Perl flags, no multi-line) that patternmatcher's translated
// globs can contain. Parsing follows regexp/syntax rule for rule, because a user's `[...]` or `\x`
// reaches the regexp verbatim (so `[[:alpha:]]`, `\d` and `\Q` behave as in Docker). Matching runs a
// Pike VM over code points: linear time, so no pattern can make it backtrack exponentially.

const MAX_RUNE = 0x10ffff;

/** Re2SyntaxError is thrown inside this module only; callers get `null` from compileRe2. */
class Re2SyntaxError extends Error {}

interface PropTest {
  re: RegExp;
  neg: boolean;
}

/** CharClass is a union of rune ranges and Unicode property tests, optionally negated. */
class CharClass {
  readonly ranges: number[] = [];
  readonly props: PropTest[] = [];
  negated = false;

  addRange(lo: number, hi: number): void {
    this.ranges.push(lo, hi);
  }

  /** addGroup appends ASCII ranges, or their complement over all runes when `neg`. */
  addGroup(ranges: readonly number[], neg: boolean): void {
    if (!neg) {
      for (const r of ranges) this.ranges.push(r);
      return;
    }
    let next = 0;
    for (let i = 0; i < ranges.length; i += 2) {
      const lo = ranges[i] ?? 0;
      const hi = ranges[i + 1] ?? 0;
      if (lo > next) this.ranges.push(next, lo - 1);
      next = hi + 1;
    }
    if (next <= MAX_RUNE) this.ranges.push(next, MAX_RUNE);
  }

  has(cp: number): boolean {
    let hit = false;
    const r = this.ranges;
    for (let i = 0; i < r.length; i += 2) {
      if (cp >= (r[i] ?? 0) && cp <= (r[i + 1] ?? -1)) {
        hit = true;
        break;
      }
    }
    if (!hit && this.props.length > 0) {
      const ch = String.fromCodePoint(cp);
      for (const p of this.props) {
        if (p.re.test(ch) !== p.neg) {
          hit = true;
          break;
        }
      }
    }
    return hit !== this.negated;
  }
}

// Go regexp/syntax perl_groups.go: ASCII-only classes, as sorted [lo, hi] pairs.
const PERL_GROUPS: Record<string, readonly number[]> = {
  d: [0x30, 0x39],
  s: [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20],
  w: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
};

const POSIX_GROUPS: Record<string, readonly number[]> = {
  alnum: [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
  alpha: [0x41, 0x5a, 0x61, 0x7a],
  ascii: [0x00, 0x7f],
  blank: [0x09, 0x09, 0x20, 0x20],
  cntrl: [0x00, 0x1f, 0x7f, 0x7f],
  digit: [0x30, 0x39],
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
  space: [0x09, 0x0d, 0x20, 0x20],
  upper: [0x41, 0x5a],
  word: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
  xdigit: [0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
};

// Go's unicode.Categories keys. Go's "C" lacks unassigned code points (Cn), unlike JS \p{C}.
const CATEGORIES = new Set(
  ('C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps ' +
    'S Sc Sk Sm So Z Zl Zp Zs').split(' '),
);
// Go's unicode.Scripts keys (Unicode 15, as in current Go). JS also accepts aliases such as "Grek";
// Go does not, so names are checked against this list first.
const SCRIPTS = new Set(
  ('Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali ' +
    'Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian Caucasian_Albanian ' +
    'Chakma Cham Cherokee Chorasmian Common Coptic Cuneiform Cypriot Cypro_Minoan Cyrillic Deseret ' +
    'Devanagari Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Georgian ' +
    'Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi Gurmukhi Han Hangul Hanifi_Rohingya Hanunoo ' +
    'Hatran Hebrew Hiragana Imperial_Aramaic Inherited Inscriptional_Pahlavi Inscriptional_Parthian ' +
    'Javanese Kaithi Kannada Katakana Kawi Kayah_Li Kharoshthi Khitan_Small_Script Khmer Khojki ' +
    'Khudawadi Lao Latin Lepcha Limbu Linear_A Linear_B Lisu Lycian Lydian Mahajani Makasar Malayalam ' +
    'Mandaic Manichaean Marchen Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui Meroitic_Cursive ' +
    'Meroitic_Hieroglyphs Miao Modi Mongolian Mro Multani Myanmar Nabataean Nag_Mundari Nandinagari ' +
    'New_Tai_Lue Newa Nko Nushu Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Old_Hungarian Old_Italic ' +
    'Old_North_Arabian Old_Permic Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Old_Uyghur Oriya ' +
    'Osage Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic ' +
    'Samaritan Saurashtra Sharada Shavian Siddham SignWriting Sinhala Sogdian Sora_Sompeng Soyombo ' +
    'Sundanese Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet Takri Tamil Tangsa Tangut ' +
    'Telugu Thaana Thai Tibetan Tifinagh Tirhuta Toto Ugaritic Vai Vithkuqi Wancho Warang_Citi Yezidi Yi ' +
    'Zanabazar_Square').split(' '),
);
const propCache = new Map<string, RegExp | null>();

/** unicodeTable maps a Go \p name (Any, a category or a script) to a one-rune JS test, or null. */
function unicodeTable(name: string): RegExp | null {
  const hit = propCache.get(name);
  if (hit !== undefined) return hit;
  let re: RegExp | null = null;
  if (name === 'Any') re = /^[\s\S]$/u;
  else if (name === 'C') re = /^[\p{Cc}\p{Cf}\p{Co}\p{Cs}]$/u;
  else if (CATEGORIES.has(name)) re = new RegExp(`^\\p{${name}}$`, 'u');
  else if (SCRIPTS.has(name)) {
    try {
      re = new RegExp(`^\\p{Script=${name}}$`, 'u');
    } catch {
      re = null; // a script this JS engine does not know yet
    }
  }
  propCache.set(name, re);
  return re;
}

type Assertion = 'beginText' | 'endText' | 'wordBoundary' | 'noWordBoundary';

type Node =
  | { k: 'class'; cls: CharClass }
  | { k: 'assert'; a: Assertion }
  | { k: 'empty' }
  | { k: 'group'; sub: Node }
  | { k: 'cat'; subs: Node[] }
  | { k: 'alt'; subs: Node[] }
  | { k: 'rep'; min: number; max: number; sub: Node }; // max -1: unbounded; * = {0,-1}, + = {1,-1}, ? = {0,1}

const cp = (s: string): number => s.codePointAt(0) ?? 0;
const C = {
  lparen: cp('('), rparen: cp(')'), bar: cp('|'), caret: cp('^'), dollar: cp('$'), dot: cp('.'),
  lbrack: cp('['), rbrack: cp(']'), star: cp('*'), plus: cp('+'), quest: cp('?'), lbrace: cp('{'),
  rbrace: cp('}'), bslash: cp('\\'), colon: cp(':'), dash: cp('-'), comma: cp(','),
};

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function literal(c: number): Node {
  const cls = new CharClass();
  cls.addRange(c, c);
  return { k: 'class', cls };
}

// Go's regexp/syntax limit on the compiled size (in instructions) of an expression.
const MAX_SIZE = Math.floor((128 << 20) / 40);

/** Parser is regexp/syntax.Parse restricted to flags Perl (ClassNL|OneLine|PerlX|UnicodeGroups). */
class Parser {
  private i = 0;
  hasCountedRepeat = false;
  constructor(private readonly t: readonly number[]) {}

  private at(i: number): number | undefined {
    return this.t[i];
  }

  parse(): Node {
    const frames: { alts: Node[][]; cur: Node[] }[] = [{ alts: [], cur: [] }];
    let lastRepeat = false;
    const t = this.t;
    while (this.i < t.length) {
      const frame = frames[frames.length - 1]!;
      const c = t[this.i]!;
      let repeat = false;
      switch (c) {
        case C.lparen:
          // Perl groups `(?...` cannot come out of a translated glob: `(` only ever starts `(.*/)?`.
          if (this.at(this.i + 1) === C.quest) throw new Re2SyntaxError('unsupported perl group');
          frames.push({ alts: [], cur: [] });
          this.i++;
          break;
        case C.bar:
          frame.alts.push(frame.cur);
          frame.cur = [];
          this.i++;
          break;
        case C.rparen:
          if (frames.length < 2) throw new Re2SyntaxError('unexpected )');
          frames.pop();
          frames[frames.length - 1]!.cur.push({ k: 'group', sub: alternate(frame.alts, frame.cur) });
          this.i++;
          break;
        case C.caret:
          frame.cur.push({ k: 'assert', a: 'beginText' });
          this.i++;
          break;
        case C.dollar:
          frame.cur.push({ k: 'assert', a: 'endText' });
          this.i++;
          break;
        case C.dot: {
          const cls = new CharClass();
          cls.addRange(0, 0x09);
          cls.addRange(0x0b, MAX_RUNE);
          frame.cur.push({ k: 'class', cls });
          this.i++;
          break;
        }
        case C.lbrack:
          frame.cur.push(this.parseClass());
          break;
        case C.star:
        case C.plus:
        case C.quest:
          this.i++;
          this.repeat(frame.cur, c === C.plus ? 1 : 0, c === C.quest ? 1 : -1, lastRepeat);
          repeat = true;
          break;
        case C.lbrace: {
          // `|`, `{` and `}` are not escaped by the glob translation (its escape table only covers
          // bytes below 64), so counted repeats and alternation really do reach the regexp.
          const r = this.parseRepeat();
          if (r === null) {
            frame.cur.push(literal(c));
            this.i++;
            break;
          }
          if (r.min < 0 || r.min > 1000 || r.max > 1000 || (r.max >= 0 && r.min > r.max)) {
            throw new Re2SyntaxError('invalid repeat count');
          }
          this.i = r.next;
          this.hasCountedRepeat = true;
          this.repeat(frame.cur, r.min, r.max, lastRepeat);
          repeat = true;
          break;
        }
        case C.bslash:
          this.parseBackslash(frame.cur);
          break;
        default:
          frame.cur.push(literal(c));
          this.i++;
      }
      lastRepeat = repeat;
    }
    if (frames.length !== 1) throw new Re2SyntaxError('missing closing )');
    const top = frames[0]!;
    return alternate(top.alts, top.cur);
  }

  /** repeat wraps the last item; a `?` right after makes it non-greedy (same language here). */
  private repeat(cur: Node[], min: number, max: number, lastRepeat: boolean): void {
    if (this.at(this.i) === C.quest) this.i++;
    if (lastRepeat) throw new Re2SyntaxError('invalid nested repetition operator');
    const sub = cur.pop();
    if (sub === undefined) throw new Re2SyntaxError('missing argument to repetition operator');
    cur.push({ k: 'rep', min, max, sub });
  }

  /** parseRepeat reads `{n}`, `{n,}` or `{n,m}` at this.i (Go parseRepeat); null if it is not one. */
  private parseRepeat(): { min: number; max: number; next: number } | null {
    let j = this.i + 1;
    const parseInt = (): number | null => {
      if (!isDigit(this.at(j))) return null;
      if (this.at(j) === 0x30 && isDigit(this.at(j + 1))) return null; // no leading zeros
      let n = 0;
      for (; isDigit(this.at(j)); j++) if (n >= 0) n = n >= 1e8 ? -1 : n * 10 + this.at(j)! - 0x30;
      return n;
    };
    let min = parseInt();
    if (min === null || j >= this.t.length) return null;
    let max: number;
    if (this.at(j) !== C.comma) max = min;
    else {
      j++;
      if (j >= this.t.length) return null;
      if (this.at(j) === C.rbrace) max = -1;
      else {
        const m = parseInt();
        if (m === null) return null;
        max = m;
        if (max < 0) min = -1;
      }
    }
    if (this.at(j) !== C.rbrace) return null;
    return { min, max, next: j + 1 };
  }

  private parseBackslash(cur: Node[]): void {
    const t = this.t;
    const next = this.at(this.i + 1);
    if (next !== undefined) {
      switch (String.fromCodePoint(next)) {
        case 'A':
          cur.push({ k: 'assert', a: 'beginText' });
          this.i += 2;
          return;
        case 'b':
          cur.push({ k: 'assert', a: 'wordBoundary' });
          this.i += 2;
          return;
        case 'B':
          cur.push({ k: 'assert', a: 'noWordBoundary' });
          this.i += 2;
          return;
        case 'C':
          throw new Re2SyntaxError('invalid escape sequence: \\C');
        case 'Q': {
          // \Q...\E: everything up to \E (or the end) is literal, backslashes included.
          let end = t.length;
          for (let k = this.i + 2; k + 1 < t.length; k++) {
            if (t[k] === C.bslash && t[k + 1] === cp('E')) {
              end = k;
              break;
            }
          }
          for (let j = this.i + 2; j < end; j++) cur.push(literal(t[j]!));
          this.i = end < t.length ? end + 2 : end;
          return;
        }
        case 'z':
          cur.push({ k: 'assert', a: 'endText' });
          this.i += 2;
          return;
      }
    }
    const cls = new CharClass();
    if (this.parseUnicodeClass(cls) || this.parsePerlClassEscape(cls)) {
      cur.push({ k: 'class', cls });
      return;
    }
    cur.push(literal(this.parseEscape()));
  }

  /** parseEscape reads `\` plus an escape and returns the rune it denotes (regexp/syntax parseEscape). */
  private parseEscape(): number {
    let j = this.i + 1;
    const bad = (): never => {
      throw new Re2SyntaxError('invalid escape sequence');
    };
    const c = this.at(j);
    if (c === undefined) throw new Re2SyntaxError('trailing backslash at end of expression');
    j++;
    const isOct = (x: number | undefined): boolean => x !== undefined && x >= 0x30 && x <= 0x37;
    if (c >= 0x31 && c <= 0x37 && !isOct(this.at(j))) bad(); // \1..\7 alone would be a backreference
    if (c >= 0x30 && c <= 0x37) {
      let r = c - 0x30;
      for (let k = 1; k < 3 && isOct(this.at(j)); k++) r = r * 8 + this.at(j++)! - 0x30;
      this.i = j;
      return r;
    }
    if (c === cp('x')) {
      const c1 = this.at(j);
      if (c1 === undefined) return bad();
      j++;
      if (c1 === C.lbrace) {
        let r = 0;
        let nhex = 0;
        for (;;) {
          const d = this.at(j);
          if (d === undefined) return bad();
          j++;
          if (d === C.rbrace) break;
          const v = unhex(d);
          if (v < 0) return bad();
          r = r * 16 + v;
          if (r > MAX_RUNE) return bad();
          nhex++;
        }
        if (nhex === 0) return bad();
        this.i = j;
        return r;
      }
      const c2 = this.at(j);
      if (c2 !== undefined) j++;
      const x = unhex(c1);
      const y = c2 === undefined ? -1 : unhex(c2);
      if (x < 0 || y < 0) return bad();
      this.i = j;
      return x * 16 + y;
    }
    const named = SIMPLE_ESCAPES.get(c);
    if (named !== undefined) {
      this.i = j;
      return named;
    }
    if (c < 0x80 && !isAlnum(c)) {
      this.i = j;
      return c;
    }
    return bad();
  }

  /** parseUnicodeClass reads `\pX`, `\p{Name}`, `\PX`, `\P{^Name}` into cls; false if not one. */
  private parseUnicodeClass(cls: CharClass): boolean {
    const t = this.t;
    const p = this.at(this.i + 1);
    if (this.at(this.i) !== C.bslash || (p !== cp('p') && p !== cp('P'))) return false;
    let neg = p === cp('P');
    const c = this.at(this.i + 2);
    let name: string;
    let end: number;
    if (c !== C.lbrace) {
      name = c === undefined ? '' : String.fromCodePoint(c);
      end = c === undefined ? this.i + 2 : this.i + 3;
    } else {
      let close = -1;
      for (let k = this.i; k < t.length; k++) {
        if (t[k] === C.rbrace) {
          close = k;
          break;
        }
      }
      if (close < 0) throw new Re2SyntaxError('invalid character class range');
      name = String.fromCodePoint(...t.slice(this.i + 3, close));
      end = close + 1;
    }
    if (name.startsWith('^')) {
      neg = !neg;
      name = name.slice(1);
    }
    const re = unicodeTable(name);
    if (re === null) throw new Re2SyntaxError('invalid character class range');
    cls.props.push({ re, neg });
    this.i = end;
    return true;
  }

  private parsePerlClassEscape(cls: CharClass): boolean {
    const c = this.at(this.i + 1);
    if (this.at(this.i) !== C.bslash || c === undefined) return false;
    const name = String.fromCodePoint(c);
    if (name.length !== 1 || !'dDsSwW'.includes(name)) return false;
    cls.addGroup(PERL_GROUPS[name.toLowerCase()]!, name !== name.toLowerCase());
    this.i += 2;
    return true;
  }

  /** parseNamedClass reads `[:name:]` / `[:^name:]`. Like Go it looks for the first `:]` anywhere
   * after, and a name it finds but does not know is an error; no `:]` at all means "not one". */
  private parseNamedClass(cls: CharClass): boolean {
    const t = this.t;
    let close = -1;
    for (let k = this.i + 2; k + 1 < t.length; k++) {
      if (t[k] === C.colon && t[k + 1] === C.rbrack) {
        close = k;
        break;
      }
    }
    if (close < 0) return false;
    let name = String.fromCodePoint(...t.slice(this.i + 2, close));
    let neg = false;
    if (name.startsWith('^')) {
      neg = true;
      name = name.slice(1);
    }
    const group = Object.hasOwn(POSIX_GROUPS, name) ? POSIX_GROUPS[name] : undefined;
    if (group === undefined) throw new Re2SyntaxError('invalid character class range');
    cls.addGroup(group, neg);
    this.i = close + 2;
    return true;
  }

  private parseClassChar(): number {
    const c = this.at(this.i);
    if (c === undefined) throw new Re2SyntaxError('missing closing ]');
    if (c === C.bslash) return this.parseEscape();
    this.i++;
    return c;
  }

  /** parseClass reads `[...]` (regexp/syntax parseClass): `]` first is literal, `-` anywhere. */
  private parseClass(): Node {
    const cls = new CharClass();
    this.i++; // [
    if (this.at(this.i) === C.caret) {
      cls.negated = true;
      this.i++;
    }
    let first = true;
    while (this.at(this.i) !== C.rbrack || first) {
      first = false;
      if (this.at(this.i) === C.lbrack && this.at(this.i + 1) === C.colon && this.i + 2 < this.t.length) {
        if (this.parseNamedClass(cls)) continue;
      }
      if (this.parseUnicodeClass(cls) || this.parsePerlClassEscape(cls)) continue;
      const lo = this.parseClassChar();
      let hi = lo;
      const after = this.at(this.i + 1);
      if (this.at(this.i) === C.dash && after !== undefined && after !== C.rbrack) {
        this.i++;
        hi = this.parseClassChar();
        if (hi < lo) throw new Re2SyntaxError('invalid character class range');
      }
      cls.addRange(lo, hi);
    }
    this.i++; // ]
    return { k: 'class', cls };
  }
}

const SIMPLE_ESCAPES = new Map<number, number>([
  [cp('a'), 7], [cp('f'), 12], [cp('n'), 10], [cp('r'), 13], [cp('t'), 9], [cp('v'), 11],
]);

function alternate(alts: Node[][], cur: Node[]): Node {
  const all = [...alts, cur].map((seq): Node =>
    seq.length === 0 ? { k: 'empty' } : seq.length === 1 ? seq[0]! : { k: 'cat', subs: seq },
  );
  return all.length === 1 ? all[0]! : { k: 'alt', subs: all };
}

/** compiledSize is regexp/syntax calcSize: Go rejects an expression whose program would exceed
 * MAX_SIZE instructions (only reachable with counted repeats). Trees here are shallow: repeats cannot
 * nest and groups only come from `(.*\/)?`, so plain recursion is safe. */
function compiledSize(n: Node): number {
  let size = 0;
  switch (n.k) {
    case 'class':
    case 'assert':
    case 'empty':
      size = 1;
      break;
    case 'group':
      size = 2 + compiledSize(n.sub);
      break;
    case 'cat':
      for (const s of n.subs) size += compiledSize(s);
      break;
    case 'alt':
      for (const s of n.subs) size += compiledSize(s);
      size += n.subs.length - 1;
      break;
    case 'rep': {
      const sub = compiledSize(n.sub);
      if (n.max === -1) size = n.min === 0 ? 2 + sub : 1 + n.min * sub;
      else if (n.min === 0 && n.max === 1) size = 1 + sub;
      else size = n.max * sub + (n.max - n.min);
      break;
    }
  }
  return Math.max(size, 1);
}

const OP_MATCH = 0;
const OP_CHAR = 1;
const OP_SPLIT = 2;
const OP_ASSERT = 3;
const ASSERTIONS: readonly Assertion[] = ['beginText', 'endText', 'wordBoundary', 'noWordBoundary'];

function isWordRune(c: number | undefined): boolean {
  return c !== undefined && (isAlnum(c) || c === 0x5f);
}

/** Re2Program is a compiled expression in flat typed arrays; `test` is Go's Regexp.MatchString. */
export class Re2Program {
  private op = new Uint8Array(64);
  private out = new Int32Array(64);
  // out1: second target for SPLIT, class index for CHAR, assertion index for ASSERT.
  private out1 = new Int32Array(64);
  private len = 0;
  private readonly classes: CharClass[] = [];
  private readonly start: number;
  private readonly anchored: boolean;
  private mark: Int32Array = new Int32Array(0);
  private generation = 0;

  constructor(root: Node) {
    this.push(OP_MATCH, 0, 0);
    this.start = this.emit(root, 0);
    const first = root.k === 'cat' ? root.subs[0] : root;
    this.anchored = first?.k === 'assert' && first.a === 'beginText';
    this.mark = new Int32Array(this.len).fill(-1);
  }

  private push(op: number, out: number, out1: number): number {
    if (this.len === this.op.length) {
      const grow = <T extends Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.op = grow(this.op, (n) => new Uint8Array(n));
      this.out = grow(this.out, (n) => new Int32Array(n));
      this.out1 = grow(this.out1, (n) => new Int32Array(n));
    }
    this.op[this.len] = op;
    this.out[this.len] = out;
    this.out1[this.len] = out1;
    return this.len++;
  }

  /** emit compiles node so that it continues at `next` and returns its entry point. */
  private emit(node: Node, next: number): number {
    switch (node.k) {
      case 'class':
        this.classes.push(node.cls);
        return this.push(OP_CHAR, next, this.classes.length - 1);
      case 'assert':
        return this.push(OP_ASSERT, next, ASSERTIONS.indexOf(node.a));
      case 'empty':
        return next;
      case 'group':
        return this.emit(node.sub, next);
      case 'cat': {
        let pc = next;
        for (let i = node.subs.length - 1; i >= 0; i--) pc = this.emit(node.subs[i]!, pc);
        return pc;
      }
      case 'alt': {
        let pc = this.emit(node.subs[node.subs.length - 1]!, next);
        for (let i = node.subs.length - 2; i >= 0; i--) pc = this.push(OP_SPLIT, this.emit(node.subs[i]!, next), pc);
        return pc;
      }
      case 'rep': {
        // x{n,m} = n copies of x, then m-n optional ones; x{n,} = n copies, then x*.
        let pc = next;
        if (node.max === -1) {
          const loop = this.push(OP_SPLIT, -1, next);
          const body = this.emit(node.sub, loop); // may grow (replace) the arrays: assign after
          this.out[loop] = body;
          pc = loop;
        } else {
          // the optional copies nest: x(x(x)?)?)?, each one either continues or jumps to next
          for (let k = node.max - node.min; k > 0; k--) pc = this.push(OP_SPLIT, this.emit(node.sub, pc), next);
        }
        for (let k = 0; k < node.min; k++) pc = this.emit(node.sub, pc);
        return pc;
      }
    }
  }

  /** test reports whether the expression matches anywhere in `input` (code points). */
  test(input: readonly number[]): boolean {
    const n = input.length;
    if (this.generation > 0x7fffffff - n - 2) {
      this.mark.fill(-1);
      this.generation = 0;
    }
    const base = this.generation;
    this.generation += n + 1;
    const { op, out, out1, mark, classes } = this;
    const stack: number[] = [];
    // add follows empty transitions from pc at position pos into list; true once Match is reached.
    const add = (list: number[], pc0: number, pos: number): boolean => {
      const gen = base + pos;
      stack.push(pc0);
      while (stack.length > 0) {
        const pc = stack.pop()!;
        if (mark[pc] === gen) continue;
        mark[pc] = gen;
        switch (op[pc]) {
          case OP_MATCH:
            stack.length = 0;
            return true;
          case OP_CHAR:
            list.push(pc);
            break;
          case OP_SPLIT:
            stack.push(out1[pc]!, out[pc]!);
            break;
          case OP_ASSERT:
            if (assertionHolds(ASSERTIONS[out1[pc]!]!, input, pos)) stack.push(out[pc]!);
            break;
        }
      }
      return false;
    };
    let clist: number[] = [];
    if (add(clist, this.start, 0)) return true;
    for (let pos = 0; pos < n; pos++) {
      const c = input[pos]!;
      const nlist: number[] = [];
      for (const pc of clist) {
        if (classes[out1[pc]!]!.has(c) && add(nlist, out[pc]!, pos + 1)) return true;
      }
      if (!this.anchored && add(nlist, this.start, pos + 1)) return true;
      if (nlist.length === 0 && this.anchored) return false;
      clist = nlist;
    }
    return false;
  }
}

function assertionHolds(a: Assertion, input: readonly number[], pos: number): boolean {
  switch (a) {
    case 'beginText':
      return pos === 0;
    case 'endText':
      return pos === input.length;
    case 'wordBoundary':
      return isWordRune(input[pos - 1]) !== isWordRune(input[pos]);
    case 'noWordBoundary':
      return isWordRune(input[pos - 1]) === isWordRune(input[pos]);
  }
}

/** compileRe2 parses a Go regexp given as code points (the `^…$` strings the glob translation
 * builds); null when Go's regexp.Compile would return an error. */
export function compileRe2(expr: readonly number[]): Re2Program | null {
  try {
    const parser = new Parser(expr);
    const root = parser.parse();
    if (parser.hasCountedRepeat && compiledSize(root) > MAX_SIZE) return null;
    return new Re2Program(root);
  } catch (err) {
    if (err instanceof Re2SyntaxError) return null;
    throw err;
  }
}
