// RUN --mount=type=cache,target=/root/.cache,... : BuildKit's instructions/commands_runmount.go.
// BuildKit parses mounts twice: at parse time only `from` is checked, at dispatch every value is
// expanded and the whole mount validated. We validate at parse time whatever holds no `$`, and
// expandInstruction re-parses the spec strictly with the values expanded.
import { goQuote } from '../parser/index.ts';
import { fail } from './errors.ts';
import { parseGoBool, parseGoUint, parseRamInBytes } from './go-parse.ts';
import { withSuggestion } from './suggest.ts';
import type { MountSharing, MountType, RunMount } from './types.ts';

const MOUNT_TYPES: readonly MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const SHARING_MODES: readonly MountSharing[] = ['shared', 'private', 'locked'];
const ALL_KEYS = [
  'type', 'from', 'source', 'target', 'readonly', 'id', 'sharing', 'required', 'size', 'mode', 'uid', 'gid',
  'src', 'dst', 'destination', 'ro', 'rw', 'readwrite', 'env',
];

/** splitCsvFields splits one CSV record like Go's encoding/csv: `"..."` quotes a field, `""` is a quote. */
export function splitCsvFields(line: string): string[] {
  const fields: string[] = [];
  if (line === '') return fields;
  const err = (col: number, what: string): never =>
    fail(`failed to parse csv mounts: parse error on line 1, column ${col}: ${what}`);
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let field = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) err(line.length + 1, 'extraneous or missing " in quoted-field');
        field += line.slice(j, q);
        if (line[q + 1] === '"') {
          field += '"';
          j = q + 2;
          continue;
        }
        if (q + 1 === line.length || line[q + 1] === ',') {
          i = q + 1;
          break;
        }
        err(q + 2, 'extraneous or missing " in quoted-field');
      }
      fields.push(field);
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      const field = line.slice(i, end);
      const quote = field.indexOf('"');
      if (quote >= 0) err(i + quote + 1, 'bare " in non-quoted-field');
      fields.push(field);
      i = end;
    }
    if (i >= line.length) break;
    i++; // the comma
    if (i === line.length) {
      fields.push('');
      break;
    }
  }
  return fields;
}

/** Expander turns a mount value into its expanded form. */
export type MountExpander = (value: string) => string;

const STRING_KEYS = new Set(['from', 'source', 'src', 'target', 'dst', 'destination', 'id', 'env']);

/** parseMount reads one --mount value. With an expander (dispatch time) every value is expanded and
 * the mount fully validated; without one (parse time) values holding `$` are left for later and
 * listed in `deferred`, string ones kept as written. */
export function parseMount(spec: string, expander: MountExpander | null): RunMount {
  const fields = splitCsvFields(spec);
  const m: RunMount = { type: 'bind', readOnly: false, required: false, spec };
  const deferred: string[] = [];
  let roAuto = true;

  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    let value = eq < 0 ? '' : field.slice(eq + 1);

    if (eq < 0) {
      switch (key) {
        case 'readonly':
        case 'ro':
          m.readOnly = true;
          roAuto = false;
          continue;
        case 'readwrite':
        case 'rw':
          m.readOnly = false;
          roAuto = false;
          continue;
        case 'required':
          if (m.type === 'secret' || m.type === 'ssh') {
            m.required = true;
            continue;
          }
          return fail(`unexpected key '${key}' for mount type '${m.type}'`);
        default:
          return fail(`invalid field '${field}' must be a key=value pair`);
      }
    }

    if (key === 'from') {
      const dollar = value.indexOf('$');
      if (dollar !== -1 && dollar !== value.length - 1) {
        fail(`'${key}' doesn't support variable expansion, define alias stage instead`);
      }
    }
    if (expander) {
      value = expander(value);
    } else if (value.includes('$')) {
      deferred.push(key);
      if (!STRING_KEYS.has(key)) continue;
    }

    switch (key) {
      case 'type': {
        const t = value.toLowerCase() as MountType;
        if (!MOUNT_TYPES.includes(t)) {
          fail(withSuggestion(`unsupported mount type ${goQuote(value)}`, value, MOUNT_TYPES, true));
        }
        m.type = t;
        break;
      }
      case 'from':
        m.from = value;
        break;
      case 'source':
      case 'src':
        m.source = value;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.target = value;
        break;
      case 'readonly':
      case 'ro':
        m.readOnly = goBool(key, value);
        roAuto = false;
        break;
      case 'readwrite':
      case 'rw':
        m.readOnly = !goBool(key, value);
        roAuto = false;
        break;
      case 'required':
        if (m.type !== 'secret' && m.type !== 'ssh') fail(`unexpected key '${key}' for mount type '${m.type}'`);
        m.required = goBool(key, value);
        break;
      case 'size':
        if (m.type !== 'tmpfs') fail(`unexpected key '${key}' for mount type '${m.type}'`);
        try {
          m.sizeLimit = parseRamInBytes(value);
        } catch {
          fail(`invalid value for ${key}: ${value}`);
        }
        break;
      case 'id':
        m.id = value;
        break;
      case 'sharing': {
        const s = value.toLowerCase() as MountSharing;
        if (!SHARING_MODES.includes(s)) {
          fail(withSuggestion(`unsupported sharing value ${goQuote(value)}`, value, SHARING_MODES, true));
        }
        m.sharing = s;
        break;
      }
      case 'mode':
        m.mode = goUint(value, 8, 'mode');
        break;
      case 'uid':
        m.uid = goUint(value, 10, 'uid');
        break;
      case 'gid':
        m.gid = goUint(value, 10, 'gid');
        break;
      case 'env':
        m.env = value;
        break;
      default:
        fail(withSuggestion(`unexpected key '${key}' in '${field}'`, key, ALL_KEYS, true));
    }
  }

  if (deferred.length > 0) {
    m.deferred = deferred;
    applyReadOnlyDefault(m, roAuto);
    return m;
  }
  validateMount(m, roAuto);
  return m;
}

function goBool(key: string, value: string): boolean {
  try {
    return parseGoBool(value);
  } catch {
    return fail(`invalid value for ${key}: ${value}`);
  }
}

function goUint(value: string, base: 8 | 10, key: string): number {
  try {
    return parseGoUint(value, base, 32);
  } catch {
    return fail(`invalid value ${value} for ${key}`);
  }
}

/** Bind, secret and ssh mounts are read-only unless rw is given; cache and tmpfs are writable. */
function applyReadOnlyDefault(m: RunMount, roAuto: boolean): void {
  if (roAuto) m.readOnly = !(m.type === 'cache' || m.type === 'tmpfs');
}

function validateMount(m: RunMount, roAuto: boolean): void {
  const fileInfoAllowed = m.type === 'secret' || m.type === 'ssh' || m.type === 'cache';
  if (!fileInfoAllowed) {
    if (m.mode !== undefined) fail(`mode not allowed for ${goQuote(m.type)} type mounts`);
    if (m.uid !== undefined) fail(`uid not allowed for ${goQuote(m.type)} type mounts`);
    if (m.gid !== undefined) fail(`gid not allowed for ${goQuote(m.type)} type mounts`);
  }
  applyReadOnlyDefault(m, roAuto);
  if (m.type === 'secret') {
    if (m.from) fail('secret mount should not have a from');
    if (m.sharing) fail('secret mount should not define sharing');
    if (!m.source && !m.target && !m.id) fail('invalid secret mount. one of source, target required');
    if (m.source && m.id) fail("both source and id can't be set");
  }
  if (m.sharing && m.type !== 'cache') fail(`invalid cache sharing set for ${m.type} mount`);
}
