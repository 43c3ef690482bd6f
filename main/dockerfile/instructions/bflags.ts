// Builder flags (`COPY --from=x`, `RUN --mount=...`): BuildKit's instructions/bflag.go. Each instruction
// declares the flags it accepts, then parse() checks what was written against them.
import { fail } from './errors.ts';
import { withSuggestion } from './suggest.ts';

type FlagType = 'bool' | 'string' | 'strings';

interface FlagState {
  type: FlagType;
  /** bool: 'true'/'false'; string: the value (default when unused) */
  value: string;
  values: string[];
  used: boolean;
}

/** Flags every instruction accepts, for a clearer hint when a flag is used on the wrong instruction. */
const FLAG_OWNERS: Readonly<Record<string, string>> = {
  platform: 'FROM',
  from: 'COPY',
  chown: 'COPY and ADD',
  chmod: 'COPY and ADD',
  link: 'COPY and ADD',
  exclude: 'COPY and ADD',
  parents: 'COPY',
  'keep-git-dir': 'ADD',
  checksum: 'ADD',
  unpack: 'ADD',
  mount: 'RUN',
  network: 'RUN',
  security: 'RUN',
  interval: 'HEALTHCHECK',
  timeout: 'HEALTHCHECK',
  'start-period': 'HEALTHCHECK',
  'start-interval': 'HEALTHCHECK',
  retries: 'HEALTHCHECK',
};

/** BuilderFlags holds the flags written on one instruction and the ones it accepts. */
export class BuilderFlags {
  private readonly defs = new Map<string, FlagState>();
  private readonly usedOrder: string[] = [];

  constructor(
    private readonly args: readonly string[],
    private readonly keyword: string,
  ) {}

  private add(name: string, type: FlagType, value: string): FlagState {
    const f: FlagState = { type, value, values: [], used: false };
    this.defs.set(name, f);
    return f;
  }

  /** addBool declares `--name` / `--name=true|false`. */
  addBool(name: string, def = false): FlagState {
    return this.add(name, 'bool', def ? 'true' : 'false');
  }

  /** addString declares `--name=value` (given at most once). */
  addString(name: string, def = ''): FlagState {
    return this.add(name, 'string', def);
  }

  /** addStrings declares a repeatable `--name=value`. */
  addStrings(name: string): FlagState {
    return this.add(name, 'strings', '');
  }

  /** used lists the flag names given, in the order written. */
  used(): string[] {
    return [...this.usedOrder];
  }

  /** parse checks the written flags against the declared ones (BuildKit BFlags.Parse). */
  parse(): void {
    for (const a of this.args) {
      if (a === '--') return; // POSIX: the first lone -- ends the options
      if (!a.startsWith('--')) fail(`arg should start with -- : ${a}`);
      const eq = a.indexOf('=');
      const hasValue = eq >= 0;
      const flagName = hasValue ? a.slice(0, eq) : a;
      const value = hasValue ? a.slice(eq + 1) : '';
      const name = flagName.slice(2);
      const flag = this.defs.get(name);
      if (!flag) fail(this.unknownFlagMessage(flagName, name));
      if (flag.used && flag.type !== 'strings') fail(`duplicate flag specified: ${flagName}`);
      if (!flag.used) this.usedOrder.push(name);
      flag.used = true;
      switch (flag.type) {
        case 'bool':
          if (hasValue && value === '') fail(`missing a value on flag: ${flagName}`);
          switch (value.toLowerCase()) {
            case 'true':
            case '':
              flag.value = 'true';
              break;
            case 'false':
              flag.value = 'false';
              break;
            default:
              fail(`expecting boolean value for flag ${flagName}, not: ${value}`);
          }
          break;
        case 'string':
          if (!hasValue) fail(`missing a value on flag: ${flagName}`);
          flag.value = value;
          break;
        case 'strings':
          if (!hasValue) fail(`missing a value on flag: ${flagName}`);
          flag.values.push(value);
          break;
      }
    }
  }

  private unknownFlagMessage(flagName: string, name: string): string {
    const base = `unknown flag: ${flagName}`;
    const accepted = [...this.defs.keys()].sort();
    const hinted = withSuggestion(base, name, accepted, true);
    if (hinted !== base) return hinted;
    const owner = FLAG_OWNERS[name];
    if (owner !== undefined) return `${base} (${flagName} is only valid for ${owner}, not ${this.keyword})`;
    return base;
  }
}
