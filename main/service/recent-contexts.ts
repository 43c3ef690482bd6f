import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs-atomic.ts';

/** Most context folders remembered. */
export const MAX_RECENT_CONTEXTS = 8;

/** RecentContexts remembers the build context folders last opened (STRATA_HOME/recent-contexts.json), so
 * the Build view reopens the last one in any door: browser mode's page origin changes with its port, so
 * the page's own storage would forget it. */
export class RecentContexts {
  private readonly path: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(home: string) {
    this.path = join(home, 'recent-contexts.json');
  }

  private async read(): Promise<string[]> {
    try {
      const v = JSON.parse(await readFile(this.path, 'utf8')) as unknown;
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, MAX_RECENT_CONTEXTS) : [];
    } catch {
      return [];
    }
  }

  /** add puts a folder first (writes are serialized: two windows opening folders at once lose neither). */
  add(dir: string): Promise<void> {
    const next = this.queue.then(async () => {
      const list = [dir, ...(await this.read()).filter((d) => d !== dir)].slice(0, MAX_RECENT_CONTEXTS);
      await writeFileAtomic(this.path, JSON.stringify(list));
    });
    this.queue = next.catch(() => {});
    return next;
  }

  /** list is the folders, most recent first, without those that are gone. */
  async list(): Promise<string[]> {
    await this.queue;
    const out: string[] = [];
    for (const d of await this.read()) if ((await stat(d).catch(() => null))?.isDirectory()) out.push(d);
    return out;
  }
}
