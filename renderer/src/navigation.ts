import { useSyncExternalStore } from 'react';

/** ViewName is every top-level view; the location hash names the current one (#images, #build, …). */
export const VIEWS = ['images', 'build', 'explore', 'compare', 'registries'] as const;
export type ViewName = (typeof VIEWS)[number];

/** viewOf reads a view from a location hash (anything unknown is the Images view). */
export function viewOf(hash: string): ViewName {
  const name = hash.replace(/^#\/?/, '');
  return (VIEWS as readonly string[]).includes(name) ? (name as ViewName) : 'images';
}

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

/** useView is the current view, following the location hash (back and forward included). */
export function useView(): ViewName {
  return useSyncExternalStore(subscribe, () => viewOf(window.location.hash));
}

/** navigate shows a view (a hash change, so the browser's history keeps it). */
export function navigate(view: ViewName): void {
  if (viewOf(window.location.hash) !== view) window.location.hash = view;
}
