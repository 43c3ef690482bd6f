import type { ConnectionState } from '../ipc/ws-bridge.ts';
import type { SliceCreator } from './types.ts';

/** ConnectionSlice mirrors the bridge's link state, so the UI can say when it is reconnecting. */
export interface ConnectionSlice {
  connection: ConnectionState;
  setConnection(state: ConnectionState): void;
}

/** createConnectionSlice starts in the given state ('open' for the Electron bridge). */
export function createConnectionSlice(initial: ConnectionState): SliceCreator<ConnectionSlice> {
  return (set) => ({
    connection: initial,
    setConnection: (connection) => set({ connection }),
  });
}
