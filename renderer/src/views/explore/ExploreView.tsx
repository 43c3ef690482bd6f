import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { ExploreFilterBar } from '../../components/explore/ExploreFilterBar.tsx';
import { ExplorerLayers } from '../../components/explore/ExplorerLayers.tsx';
import { FileList } from '../../components/explore/FileList.tsx';
import { FileTree } from '../../components/explore/FileTree.tsx';
import { FileViewer } from '../../components/explore/FileViewer.tsx';
import { WastePanel } from '../../components/explore/WastePanel.tsx';
import { layerLabel, sourceLabel } from '../../components/explore/layer-label.ts';
import { formatBytes } from '../../format/bytes.ts';
import { primaryReference, shortDigest } from '../../format/digest.ts';
import { isFiltered } from '../../store/explore-slice.ts';
import {
  selectExploreActions,
  selectExploreFilters,
  selectExplorerState,
  selectFileListState,
  selectImages,
  selectImagesStatus,
  selectOpenFileState,
  selectTreeState,
  selectWasteState,
} from '../../store/selectors.ts';
import { useStrata } from '../../store/store.ts';
import './explore.css';

/** ImagePicker lists the store's images when none is open in the explorer. */
function ImagePicker({ onOpen }: { onOpen(digest: string): void }) {
  const images = useStrata(selectImages);
  const status = useStrata(useShallow(selectImagesStatus));
  return (
    <section className="panel xpicker" aria-label="Pick an image to explore" data-testid="explore-picker">
      <div className="toolbar">
        <h1 className="toolbar__title">Explore an image</h1>
      </div>
      <div className="panel__scroll">
        {!status.loaded ? (
          <div className="placeholder" aria-busy="true">
            Loading images…
          </div>
        ) : images.length === 0 ? (
          <div className="placeholder">No images in this store yet.</div>
        ) : (
          <ul className="pick-list">
            {images.map((img) => (
              <li key={img.digest}>
                <button type="button" className="pick xpick" onClick={() => onOpen(img.digest)} data-testid="explore-pick" data-reference={primaryReference(img.familiarReferences)}>
                  <span className="pick__name">{primaryReference(img.familiarReferences)}</span>
                  <code className="muted">{shortDigest(img.digest)}</code>
                  <span className="pick__size">{formatBytes(img.size)}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <p className="hint">Every file of every layer: what each adds, changes and deletes, and the bytes it wastes.</p>
      </div>
    </section>
  );
}

/** ExploreView is the layer explorer of one image: its layers, the selected layer's files (filtered),
 * a text file's contents, and the image's waste charged to its Dockerfile lines. */
export function ExploreView() {
  const st = useStrata(useShallow(selectExplorerState));
  const filters = useStrata(selectExploreFilters);
  const tree = useStrata(useShallow(selectTreeState));
  const list = useStrata(useShallow(selectFileListState));
  const file = useStrata(useShallow(selectOpenFileState));
  const waste = useStrata(useShallow(selectWasteState));
  const act = useStrata(useShallow(selectExploreActions));
  const images = useStrata(selectImages);

  // An image removed meanwhile (or never opened): back to the picker.
  const known = !st.ref || images.length === 0 || images.some((i) => i.digest === st.ref || i.references.includes(st.ref as string));
  useEffect(() => {
    if (st.ref && !st.image && !st.loading && !st.error) void act.open(st.ref);
  }, [st.ref, st.image, st.loading, st.error, act]);

  if (!st.ref || !known) return <div className="explore-view explore-view--pick"><ImagePicker onOpen={(d) => void act.open(d)} /></div>;
  const summary = images.find((i) => i.digest === st.ref || i.digest === st.image?.digest);
  const name = summary ? primaryReference(summary.familiarReferences) : st.ref;
  const layer = st.image && st.layer !== null ? st.image.layers[st.layer] : undefined;
  const filtered = isFiltered(filters);

  return (
    <div className="explore-view" data-testid="explore-view">
      <section className="panel xside" aria-label="Layers">
        <div className="toolbar">
          <h1 className="toolbar__title" data-testid="explore-image">
            {name}
          </h1>
          <button type="button" className="link-button" onClick={act.close} data-testid="explore-other">
            Other image
          </button>
        </div>
        <div className="panel__scroll">
          {st.error && <ErrorBanner title="Could not open this image" error={st.error} onRetry={() => st.ref && void act.open(st.ref)} />}
          {!st.image ? (
            !st.error && (
              <div className="placeholder" aria-busy="true" data-testid="explore-indexing">
                Indexing layers… <span className="muted">(once per layer; kept in the store)</span>
              </div>
            )
          ) : (
            <ExplorerLayers image={st.image} selected={st.layer} onSelect={(i) => void act.selectLayer(i)} />
          )}
        </div>
      </section>

      <section className="panel xmain" aria-label="Explorer">
        <div className="toolbar">
          <div className="detail-tabs" role="tablist" aria-label="Explorer">
            {(
              [
                ['files', 'Files'],
                ['waste', 'Waste'],
              ] as const
            ).map(([id, label]) => (
              <button key={id} type="button" role="tab" aria-selected={st.tab === id} className={`detail-tab${st.tab === id ? ' is-active' : ''}`} onClick={() => act.setTab(id)} data-testid={`explore-tab-${id}`}>
                {label}
              </button>
            ))}
          </div>
          {st.tab === 'files' && layer && (
            <span className="xmain__layer" data-testid="explore-current-layer">
              <span className="xlayer__pos">#{layer.index}</span> {sourceLabel(layer.source) && <strong>{sourceLabel(layer.source)}</strong>} <code>{layerLabel(layer.createdBy, 70)}</code>
            </span>
          )}
        </div>
        {st.tab === 'files' ? (
          <>
            <ExploreFilterBar filters={filters} onChange={(p) => void act.setFilters(p)} layout={list.layout} onLayout={(l) => void act.setLayout(l)} />
            {list.layout === 'tree' && tree.error && <ErrorBanner title="Could not list these files" error={tree.error} onRetry={() => void act.loadTree()} />}
            {list.layout === 'list' && list.error && <ErrorBanner title="Could not list these files" error={list.error} onRetry={() => void act.setFilters({})} />}
            <div className={`xbody${file.path ? ' xbody--file' : ''}`}>
              <div className="xbody__tree panel__scroll" aria-busy={list.layout === 'tree' ? tree.loading : list.loading}>
                {list.layout === 'list' ? (
                  list.list ? (
                    <>
                      <div className="xtotals" data-testid="explore-total" data-files={list.list.total} data-bytes={list.list.totalSize} data-loading={list.loading}>
                        {list.list.total} file{list.list.total === 1 ? '' : 's'} · {formatBytes(list.list.totalSize)}
                        {list.list.view === 'layer' ? ' in this layer' : ' in the image as of this layer'}
                        {list.loading && <span className="spinner" aria-hidden="true" />}
                      </div>
                      <FileList list={list.list} loading={list.loading} openPath={file.path} onOpenFile={(p) => void act.openFile(p)} onMore={() => void act.moreFiles()} />
                    </>
                  ) : (
                    !list.error && (
                      <div className="placeholder" aria-busy="true">
                        Loading files…
                      </div>
                    )
                  )
                ) : tree.tree ? (
                  <>
                    <div className="xtotals" data-testid="explore-total" data-files={tree.tree.totalFiles} data-bytes={tree.tree.totalSize} data-loading={tree.loading}>
                      {tree.tree.totalFiles} file{tree.tree.totalFiles === 1 ? '' : 's'} · {formatBytes(tree.tree.totalSize)}
                      {tree.tree.view === 'layer' ? ' in this layer' : ' in the image as of this layer'}
                      {tree.loading && <span className="spinner" aria-hidden="true" />}
                    </div>
                    <FileTree tree={tree.tree} subtrees={tree.subtrees} expanded={tree.expanded} filtered={filtered} openPath={file.path} onToggle={(p, o, n) => void act.toggleDir(p, o, n)} onOpenFile={(p) => void act.openFile(p)} />
                  </>
                ) : (
                  !tree.error &&
                  st.image && (
                    <div className="placeholder" aria-busy="true">
                      Loading files…
                    </div>
                  )
                )}
              </div>
              {file.path && <FileViewer path={file.path} file={file.file} error={file.error} onClose={act.closeFile} />}
            </div>
          </>
        ) : (
          <div className="panel__scroll xbody__waste">
            {waste.error && <ErrorBanner title="Could not analyse this image" error={waste.error} onRetry={() => void act.loadWaste()} />}
            {waste.waste && waste.of === st.ref ? (
              <WastePanel
                report={waste.waste}
                onSelectLayer={(i) => {
                  act.setTab('files');
                  void act.selectLayer(i);
                }}
              />
            ) : (
              !waste.error && (
                <div className="placeholder" aria-busy="true">
                  Analysing…
                </div>
              )
            )}
          </div>
        )}
      </section>
    </div>
  );
}
