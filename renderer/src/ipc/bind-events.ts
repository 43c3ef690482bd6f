import { runAppCommand } from '../shell/commands.ts';
import type { StrataStore } from '../store/store.ts';
import type { AppBridge } from './bridge.ts';

/** coalesce runs task at most once at a time; calls during a run queue exactly one more run. */
export function coalesce(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const loop = async () => {
    do {
      again = false;
      await task();
    } while (again);
    running = null;
  };
  return () => {
    if (running) {
      again = true;
      return running;
    }
    return (running = loop());
  };
}

/** bindEvents loads the first image list and where builds stand, then feeds engine events into the store
 * ('images/changed' → refresh, coalesced; 'build/status' → the build slice; 'transfer/progress' → the
 * transfers slice; 'run/…' → the run slice; 'app/command' → the menu's commands) and mirrors the bridge's
 * connection state, refreshing the images and re-syncing builds after a reconnect (events may have been
 * missed meanwhile). Returns the function that unbinds it all. */
export function bindEvents(bridge: AppBridge, store: StrataStore): () => void {
  const refresh = coalesce(() => store.getState().refreshImages());
  const offs: (() => void)[] = [
    bridge.on('images/changed', () => void refresh()),
    bridge.on('build/status', (e) => store.getState().receiveBuildStatus(e)),
    bridge.on('transfer/progress', (e) => store.getState().receiveTransfer(e)),
    bridge.on('run/output', (e) => store.getState().receiveRunOutput(e)),
    bridge.on('run/exit', (e) => store.getState().receiveRunExit(e)),
    bridge.on('app/command', (e) => (e?.command === 'build' || e?.command === 'push') && void runAppCommand(e.command, store)),
  ];
  if (bridge.onConnection) {
    // The first open sends the calls queued at start-up; every later one follows a drop.
    let opens = bridge.connection === 'open' ? 1 : 0;
    store.getState().setConnection(bridge.connection ?? 'connecting');
    offs.push(
      bridge.onConnection((state) => {
        store.getState().setConnection(state);
        if (state !== 'open') return;
        opens++;
        if (opens > 1 || store.getState().imagesError) void refresh();
        if (opens > 1) {
          void store.getState().resyncBuilds();
          void store.getState().resyncRuns();
        }
      }),
    );
  }
  void refresh();
  void store.getState().resyncBuilds();
  void store.getState().resyncRuns();
  return () => offs.forEach((off) => off());
}
