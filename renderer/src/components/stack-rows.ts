import type { ImageDetail, LayerView } from '../../../preload/contract.ts';

/** StackRow is one line of a layer stack: a layer, or a history step that changed only the config. */
export type StackRow = { kind: 'layer'; layer: LayerView } | { kind: 'config'; createdBy: string; created: string | null; position: number };

/** stackRows lists an image's layers base first, with the config-only history steps (CMD, ENV, …) in
 * their place between them. When the history does not match the layers, only the layers are listed. */
export function stackRows(detail: Pick<ImageDetail, 'layers' | 'history'>): StackRow[] {
  const nonEmpty = detail.history.filter((h) => !h.emptyLayer).length;
  if (nonEmpty !== detail.layers.length) return detail.layers.map((layer) => ({ kind: 'layer', layer }));
  const rows: StackRow[] = [];
  let li = 0;
  for (const [position, h] of detail.history.entries()) {
    if (h.emptyLayer) {
      rows.push({ kind: 'config', createdBy: h.createdBy, created: h.created, position });
      continue;
    }
    const layer = detail.layers[li++];
    if (layer) rows.push({ kind: 'layer', layer });
  }
  return rows;
}

/** instructionOf cleans a history `created_by` for display: BuildKit's and docker's shell wrappers dropped. */
export function instructionOf(createdBy: string | null): string {
  if (!createdBy) return '';
  let s = createdBy.trim();
  s = s.replace(/^\/bin\/sh -c #\(nop\)\s*/, '');
  s = s.replace(/^\/bin\/sh -c /, 'RUN ');
  s = s.replace(/\s*# buildkit$/, '');
  return s.replace(/\s+/g, ' ');
}
