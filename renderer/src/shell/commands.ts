import type { AppCommand } from '../../../preload/contract.ts';
import { navigate, type ViewName } from '../navigation.ts';
import { isActive } from '../store/build-status.ts';
import type { StrataStore } from '../store/store.ts';

/** runAppCommand does what a menu item or shortcut asks. build: go to the Build view and build the open
 * context (nothing more when none is open). push: open Publish for the selected image, or for the image
 * the last build made when none is selected. */
export async function runAppCommand(command: AppCommand, store: StrataStore, go: (view: ViewName) => void = navigate): Promise<void> {
  const s = store.getState();
  if (command === 'build') {
    go('build');
    if (s.context && !isActive(s.build)) await s.startBuild();
    return;
  }
  const built = s.build?.phase === 'succeeded' ? s.build.result?.digest : undefined;
  const digest = s.selectedDigest ?? built ?? null;
  go('images');
  if (!digest) return;
  s.setDetailTab('publish');
  if (s.selectedDigest !== digest) await s.selectImage(digest);
}
