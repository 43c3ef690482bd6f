import type { EngineEventName, EngineEvents } from '../../preload/contract.ts';

type Listener = (event: EngineEventName, payload: unknown) => void;

/** EventHub fans engine events out to every door (Electron windows, WebSocket clients, the CLI). */
export class EventHub {
  private listeners = new Set<Listener>();

  /** subscribe receives every event; returns the unsubscribe function. */
  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** emit sends an event to every subscriber; a failing subscriber never stops the others. */
  emit<E extends EngineEventName>(event: E, payload: EngineEvents[E]): void {
    for (const l of this.listeners) {
      try {
        l(event, payload);
      } catch {
        /* a closed window or socket */
      }
    }
  }
}
