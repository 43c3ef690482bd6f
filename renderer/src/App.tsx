import { lazy, Suspense } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useStrata } from './store/store.ts';
import { selectConnection, selectImagesStatus, selectRefreshImages } from './store/selectors.ts';
import { useView, type ViewName } from './navigation.ts';
import { ActivityPanel } from './components/activity/ActivityPanel.tsx';
import { ImagesView } from './views/ImagesView.tsx';
import { useShortcuts } from './shell/use-shortcuts.ts';
import './workbench.css';
import './components/run/run.css';

// The Build view carries CodeMirror: loaded when first shown, so the Images view starts light.
const BuildView = lazy(() => import('./views/build/BuildView.tsx').then((m) => ({ default: m.BuildView })));
const ExploreView = lazy(() => import('./views/explore/ExploreView.tsx').then((m) => ({ default: m.ExploreView })));
const CompareView = lazy(() => import('./views/compare/CompareView.tsx').then((m) => ({ default: m.CompareView })));
const RegistriesView = lazy(() => import('./views/registries/RegistriesView.tsx').then((m) => ({ default: m.RegistriesView })));

const CONNECTION_TEXT = { open: 'Connected', connecting: 'Connecting…', reconnecting: 'Reconnecting…' } as const;

const TABS: [ViewName, string][] = [
  ['images', 'Images'],
  ['build', 'Build'],
  ['explore', 'Explore'],
  ['compare', 'Compare'],
  ['registries', 'Registries'],
];

function TopBar({ view }: { view: ViewName }) {
  const connection = useStrata(selectConnection);
  const status = useStrata(useShallow(selectImagesStatus));
  const refresh = useStrata(selectRefreshImages);
  return (
    <header className="topbar">
      <div className="brand">
        <svg className="brand__mark" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M12 3 3 7.5l9 4.5 9-4.5L12 3Z" />
          <path d="m3 12 9 4.5 9-4.5" />
          <path d="m3 16.5 9 4.5 9-4.5" />
        </svg>
        <span className="brand__name">Strata</span>
      </div>
      <nav className="tabs" aria-label="Views">
        {TABS.map(([name, label]) => (
          <a key={name} className={`tab${view === name ? ' is-active' : ''}`} aria-current={view === name ? 'page' : undefined} href={`#${name}`}>
            {label}
          </a>
        ))}
      </nav>
      <div className="topbar__end">
        <span className={`conn conn--${connection}`} role="status" data-testid="connection">
          <i className="conn__dot" aria-hidden="true" />
          {CONNECTION_TEXT[connection]}
        </span>
        <ActivityPanel />
        {view === 'images' && (
          <button type="button" className="button" onClick={() => void refresh()} disabled={status.loading} aria-label="Refresh images">
            <svg viewBox="0 0 24 24" aria-hidden="true" className={status.loading ? 'spin' : undefined}>
              <path d="M20 12a8 8 0 1 1-2.34-5.66" />
              <path d="M20 4v4h-4" />
            </svg>
            Refresh
          </button>
        )}
      </div>
    </header>
  );
}

/** App is the renderer's shell: the top bar and the current view. */
export function App() {
  const view = useView();
  useShortcuts();
  return (
    <div className="app">
      <TopBar view={view} />
      <main className="app__main">
        {view === 'images' ? (
          <ImagesView />
        ) : (
          <Suspense fallback={<div className="placeholder">Loading…</div>}>
            {view === 'build' ? <BuildView /> : view === 'explore' ? <ExploreView /> : view === 'compare' ? <CompareView /> : <RegistriesView />}
          </Suspense>
        )}
      </main>
    </div>
  );
}
