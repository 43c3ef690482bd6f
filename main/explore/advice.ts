import type { LayerMeta, SourceLine } from './image-model.ts';
import type { WasteItem, WasteKind } from './waste.ts';

export type AdviceKind = 'clean-cache-same-run' | 'cache-mount' | 'merge-runs' | 'multi-stage' | 'dockerignore' | 'copy-chmod' | 'copy-once' | 'smaller-base';

/** Advice is one concrete change to the Dockerfile for one group of waste. */
export interface Advice {
  kind: AdviceKind;
  /** Other ways to get rid of the same waste. */
  alternatives: AdviceKind[];
  bytes: number;
  files: number;
  /** The Dockerfile lines involved: the one that wrote the bytes first, then the one that wasted them. */
  lines: SourceLine[];
  layers: number[];
  /** The largest paths of the group (at most 5). */
  paths: string[];
  message: string;
}

export interface WasteGroup {
  kind: WasteKind;
  sameContent: boolean;
  writer: LayerMeta;
  by: LayerMeta;
  /** Largest first. */
  items: WasteItem[];
  bytes: number;
}

/** Package-manager caches: where they live (a home directory may be root's or a user's), how to clean them
 * in the RUN that fills them, and what to mount instead. */
const CACHES: { re: RegExp; tool: string; clean: string }[] = [
  { re: /^(\/var\/lib\/apt\/lists)\//, tool: 'apt', clean: 'rm -rf /var/lib/apt/lists/*' },
  { re: /^(\/var\/cache\/apt)\//, tool: 'apt', clean: 'apt-get clean' },
  { re: /^(\/var\/cache\/apk)\//, tool: 'apk', clean: 'apk add --no-cache …' },
  { re: /^(\/var\/cache\/(?:dnf|yum))\//, tool: 'dnf/yum', clean: 'dnf clean all' },
  { re: /^(\/var\/cache\/zypp)\//, tool: 'zypper', clean: 'zypper clean --all' },
  { re: /^((?:\/root|\/home\/[^/]+)\/\.cache\/pip)\//, tool: 'pip', clean: 'pip install --no-cache-dir …' },
  { re: /^((?:\/root|\/home\/[^/]+)\/\.npm)\//, tool: 'npm', clean: 'npm cache clean --force' },
  { re: /^((?:\/usr\/local\/share|\/root|\/home\/[^/]+)\/\.cache\/yarn)\//, tool: 'yarn', clean: 'yarn cache clean' },
  { re: /^((?:\/root|\/home\/[^/]+)\/\.cache\/go-build)\//, tool: 'go', clean: 'go clean -cache' },
  { re: /^((?:\/go|\/root\/go|\/home\/[^/]+\/go)\/pkg\/mod)\//, tool: 'go', clean: 'go clean -modcache' },
  { re: /^((?:\/root|\/home\/[^/]+)\/\.m2\/repository)\//, tool: 'maven', clean: 'rm -rf ~/.m2/repository' },
  { re: /^((?:\/root|\/home\/[^/]+)\/\.gradle\/caches)\//, tool: 'gradle', clean: 'rm -rf ~/.gradle/caches' },
  { re: /^((?:\/usr\/local\/cargo|\/root\/\.cargo)\/registry)\//, tool: 'cargo', clean: 'rm -rf $CARGO_HOME/registry' },
  { re: /^((?:\/root|\/home\/[^/]+)\/\.cache\/[^/]+)\//, tool: 'a tool', clean: 'rm -rf ~/.cache' },
];
/** Package databases and logs every install rewrites: waste when installs are spread over several RUNs. */
const PKG_META = /^\/(var\/lib\/dpkg|var\/log\/(apt|dpkg\.log|alternatives\.log|dnf|yum)|var\/cache\/(debconf|ldconfig)|var\/lib\/(apk|rpm|dnf|yum)|etc\/ld\.so\.cache|lib\/apk\/db)(\/|$)/;
/** Toolchains and intermediate build output: what a build stage should keep out of the final image. */
const BUILD_STUFF = /(\.o|\.a|\.obj|\.pyc)$|\/node_modules\/|\/target\/(debug|release)\/|^\/usr\/(lib|libexec)\/gcc\/|^\/usr\/include\/|\/\.rustup\/|^\/usr\/local\/go\/|\/\.git\/|\/build\/|\/dist\//;
const ARCHIVE = /\.(tar|tar\.(gz|bz2|xz|zst)|tgz|tbz2|txz|zip|deb|rpm|apk|whl|jar|gz|xz|bz2|zst|run|bin|iso)$|^\/(tmp|var\/tmp)\//;

const fmt = (n: number) => {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ${units[u]}`;
};

/** where names a layer by its Dockerfile line when known ("RUN at Dockerfile:3"), else by index. */
function where(l: LayerMeta): string {
  const what = l.instruction ?? 'the step';
  return l.source ? `${what} at ${l.source.file}:${l.source.line}` : `${what} of layer ${l.index}${l.base ? ' (base image)' : ''}`;
}

function share(items: WasteItem[], re: RegExp): number {
  let hit = 0;
  let all = 0;
  for (const it of items) {
    all += it.size;
    if (re.test(it.path)) hit += it.size;
  }
  return all ? hit / all : 0;
}

/** dominantCache finds the package cache most of a group's bytes sit in, if any. */
function dominantCache(items: WasteItem[]): { dir: string; tool: string; clean: string } | null {
  const bytes = new Map<string, { dir: string; tool: string; clean: string; bytes: number }>();
  let total = 0;
  for (const it of items) {
    total += it.size;
    for (const c of CACHES) {
      const m = c.re.exec(it.path);
      if (!m) continue;
      const dir = m[1] as string;
      const rec = bytes.get(dir) ?? { dir, tool: c.tool, clean: c.clean, bytes: 0 };
      rec.bytes += it.size;
      bytes.set(dir, rec);
      break;
    }
  }
  const best = [...bytes.values()].sort((a, b) => b.bytes - a.bytes)[0];
  return best && best.bytes * 2 >= total ? best : null;
}

/** copyArgs splits a COPY/ADD history line into its sources and destination (flags dropped). */
function copyArgs(createdBy: string | null): { sources: string[]; dest: string } | null {
  if (!createdBy) return null;
  const s = createdBy.replace(/\s+#\s*buildkit$/, '').trim();
  let words: string[];
  const json = /\[(.*)\]\s*$/.exec(s);
  if (json) {
    try {
      words = JSON.parse(`[${json[1]}]`) as string[];
    } catch {
      return null;
    }
  } else words = s.split(/\s+/).slice(1).filter((w) => !w.startsWith('--'));
  if (words.length < 2) return null;
  return { sources: words.slice(0, -1), dest: words[words.length - 1] as string };
}

/** ignorePatterns suggests .dockerignore lines for files a COPY brought in, mapping image paths back to
 * context paths through the COPY's source and destination; several files give their common directory. */
function ignorePatterns(group: WasteGroup): string[] {
  const args = copyArgs(group.writer.createdBy);
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  const ctx = group.items.map((it) => {
    if (!args || args.sources.length !== 1) return base(it.path);
    const src = (args.sources[0] as string).replace(/^\.\//, '').replace(/\/+$/, '') || '.';
    const dest = ('/' + args.dest).replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
    if (it.path === dest) return src;
    if (!it.path.startsWith(dest === '/' ? '/' : dest + '/')) return base(it.path);
    const rel = it.path.slice(dest === '/' ? 1 : dest.length + 1);
    if (!rel.includes('/') && rel === base(src)) return src;
    return src === '.' ? rel : `${src}/${rel}`;
  });
  if (ctx.length === 1) return ctx;
  const parts = ctx.map((c) => c.split('/'));
  const common: string[] = [];
  for (let i = 0; parts.every((p) => p.length > i + 1 && p[i] === parts[0]![i]); i++) common.push(parts[0]![i] as string);
  if (common.length) return [common.join('/')];
  return [...new Set(ctx)].slice(0, 3);
}

const isCopy = (l: LayerMeta) => l.instruction === 'COPY' || l.instruction === 'ADD';
const fromStage = (l: LayerMeta) => isCopy(l) && /--from[= ]/.test(l.createdBy ?? '');

/** adviseGroup applies the rules to one group of waste: what its paths are (caches, package metadata,
 * build output, archives) and which instructions wrote and wasted them. */
export function adviseGroup(g: WasteGroup): Advice {
  const { writer, by, items, bytes } = g;
  const paths = items.slice(0, 5).map((it) => it.path);
  const lines = [writer.source, g.kind === 'duplicate' ? null : by.source].filter((s): s is SourceLine => s !== null);
  if (g.kind === 'duplicate' && by.source && !lines.some((l) => l.line === by.source!.line)) lines.unshift(by.source);
  const layers = [...new Set([by.index, writer.index])].sort((a, b) => a - b);
  const n = items.length;
  const files = `${n} file${n === 1 ? '' : 's'}`;
  const some = `${paths.slice(0, 3).join(', ')}${n > 3 ? ', …' : ''}`;
  const out = (kind: AdviceKind, message: string, alternatives: AdviceKind[] = []): Advice => ({ kind, alternatives, bytes, files: n, lines, layers, paths, message });

  if (g.kind === 'duplicate') {
    const orig = items[0]?.original ?? '';
    if (fromStage(writer)) return out('copy-once', `${where(writer)} copies ${files} (${fmt(bytes)}: ${some}) that ${where(by)} already put in the image (${orig}): copy them from the build stage only once.`, ['multi-stage']);
    return out('copy-once', `${where(writer)} adds ${files} (${fmt(bytes)}: ${some}) with the same content as ${orig} from ${where(by)}: keep one copy (COPY it once, or link to it).`);
  }

  const verb = g.kind === 'deleted' ? 'deletes' : 'replaces';
  if (writer.base) {
    return out('smaller-base', `${where(by)} ${verb} ${files} of the base image (${fmt(bytes)}: ${some}); they still ship in the base layer. Start from a smaller base, or build in one stage and COPY --from only what you need into a slim one.`, ['multi-stage']);
  }

  if (g.kind === 'overwritten' && g.sameContent && /\bch(mod|own|grp)\b/.test(by.createdBy ?? '')) {
    if (isCopy(writer)) return out('copy-chmod', `${where(by)} copies ${files} again only to change owner or mode (${fmt(bytes)}: ${some}): set them in ${where(writer)} with --chown/--chmod instead.`);
    return out('merge-runs', `${where(by)} copies ${files} again only to change owner or mode (${fmt(bytes)}: ${some}): run that chmod/chown in ${where(writer)}, where they are made.`);
  }

  const cache = dominantCache(items);
  if (cache && writer.instruction === 'RUN') {
    return out(
      'clean-cache-same-run',
      `${where(writer)} leaves the ${cache.tool} cache in ${cache.dir} (${fmt(bytes)}) and ${where(by)} ${verb} it: clean it in the same RUN (… && ${cache.clean}), or keep it out of the layer with RUN --mount=type=cache,target=${cache.dir}.`,
      ['cache-mount'],
    );
  }

  if (isCopy(writer)) {
    if (fromStage(writer)) return out('multi-stage', `${where(writer)} copies ${files} from a build stage (${fmt(bytes)}: ${some}) that ${where(by)} ${verb}: narrow the COPY --from source to what the image needs.`);
    if (g.kind === 'overwritten' && isCopy(by)) return out('copy-once', `${where(by)} replaces ${files} that ${where(writer)} copied (${fmt(bytes)}: ${some}): leave them out of the earlier COPY (narrow its source) so they are copied once.`, ['dockerignore']);
    const patterns = ignorePatterns(g);
    return out('dockerignore', `${where(writer)} brings in ${files} (${fmt(bytes)}: ${some}) that ${where(by)} ${verb}: add ${patterns.map((p) => JSON.stringify(p)).join(', ')} to .dockerignore or COPY only what the image needs; ${g.kind === 'deleted' ? 'deleting' : 'replacing'} them later does not make the image smaller.`);
  }

  if (writer.instruction === 'RUN' && share(items, PKG_META) >= 0.5) {
    return out('merge-runs', `${where(writer)} and ${where(by)} both rewrite package metadata (${fmt(bytes)}: ${some}): install the packages in one RUN.`);
  }
  if (share(items, BUILD_STUFF) >= 0.5) {
    return out('multi-stage', `${where(writer)} leaves build files (${fmt(bytes)}: ${some}) that ${where(by)} ${verb}: build in a separate stage and COPY --from only the result into the final one.`, ['merge-runs']);
  }
  if (writer.instruction === 'RUN' && (by.instruction === 'RUN' || g.kind === 'deleted')) {
    const archive = share(items, ARCHIVE) >= 0.5 ? ' (download, unpack and remove the archive in one RUN)' : '';
    return out('merge-runs', `${where(writer)} writes ${files} (${fmt(bytes)}: ${some}) that ${where(by)} ${verb}: do both in one RUN${archive} — bytes a later step ${verb === 'deletes' ? 'deletes' : 'replaces'} still ship in the earlier layer.`, ['multi-stage']);
  }
  return out('copy-once', `${where(by)} ${verb} ${files} that ${where(writer)} wrote (${fmt(bytes)}: ${some}): write them once, in their final form.`, ['multi-stage']);
}
