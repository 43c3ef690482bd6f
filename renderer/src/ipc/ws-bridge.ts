import {
  WS_PATH,
  type ClientMessage,
  type EngineEventName,
  type EngineEvents,
  type EngineMethod,
  type Envelope,
  type ParamsOf,
  type ResultOf,
  type ServerMessage,
  type StrataBridge,
} from '../../../preload/contract.ts';
import type { BridgeErrorCode } from './engine-error.ts';

/** ConnectionState is what the browser-mode socket is doing (the Electron bridge is always 'open'). */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

/** ConnectionSource is the optional extra a bridge offers when its link can drop. */
export interface ConnectionSource {
  readonly connection: ConnectionState;
  onConnection(listener: (state: ConnectionState) => void): () => void;
}

/** SocketLike is the part of the DOM WebSocket the bridge uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export interface WebSocketBridgeOptions {
  createSocket?: (url: string) => SocketLike;
  /** First reconnect delay; doubles up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Where protocol problems (a reply nobody asked for) are reported; console.error by default. */
  report?: (message: string) => void;
}

const OPEN = 1;

/** webSocketUrl is the engine socket beside the page: `<page dir>/ws` with the ws: (or wss:) scheme. */
export function webSocketUrl(pageHref: string): string {
  const u = new URL(WS_PATH, pageHref);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.hash = '';
  u.search = '';
  return u.toString();
}

type Pending = { message: string; sent: boolean; resolve: (e: Envelope<unknown>) => void };

/** WebSocketBridge implements StrataBridge over browser mode's WebSocket, reconnecting with backoff.
 * Calls made while the socket is down wait for it; calls in flight when it drops answer BRIDGE_DISCONNECTED
 * (they may or may not have run, so they are not replayed). */
export class WebSocketBridge implements StrataBridge, ConnectionSource {
  private socket: SocketLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<EngineEventName, Set<(payload: never) => void>>();
  private readonly connectionListeners = new Set<(state: ConnectionState) => void>();
  private delay: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private state: ConnectionState = 'connecting';
  private readonly createSocket: (url: string) => SocketLike;
  private readonly report: (message: string) => void;

  constructor(
    readonly url: string,
    private readonly opts: WebSocketBridgeOptions = {},
  ) {
    this.createSocket = opts.createSocket ?? ((u) => new WebSocket(u) as unknown as SocketLike);
    this.report = opts.report ?? ((m) => console.error(`strata bridge: ${m}`));
    this.delay = opts.initialDelayMs ?? 250;
    this.connect();
  }

  get connection(): ConnectionState {
    return this.state;
  }

  invoke<M extends EngineMethod>(method: M, params: ParamsOf<M>): Promise<Envelope<ResultOf<M>>> {
    if (this.closed) return Promise.resolve(failure('BRIDGE_DISCONNECTED', `cannot call ${method}: the bridge is closed`));
    const id = this.nextId++;
    const msg: ClientMessage = { id, method, params };
    return new Promise((resolve) => {
      const p: Pending = { message: JSON.stringify(msg), sent: false, resolve: resolve as (e: Envelope<unknown>) => void };
      this.pending.set(id, p);
      if (this.socket?.readyState === OPEN) this.send(p);
    });
  }

  on<E extends EngineEventName>(event: E, listener: (payload: EngineEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** close stops reconnecting and answers every waiting call with BRIDGE_DISCONNECTED. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    s?.close();
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.resolve(failure('BRIDGE_DISCONNECTED', 'the bridge was closed'));
    }
  }

  private setState(s: ConnectionState): void {
    if (s === this.state) return;
    this.state = s;
    for (const l of this.connectionListeners) l(s);
  }

  private send(p: Pending): void {
    p.sent = true;
    this.socket?.send(p.message);
  }

  private connect(): void {
    this.timer = null;
    let socket: SocketLike;
    try {
      socket = this.createSocket(this.url);
    } catch (e) {
      this.report(`cannot open ${this.url}: ${(e as Error).message}`);
      return this.scheduleReconnect();
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.delay = this.opts.initialDelayMs ?? 250;
      this.setState('open');
      for (const p of this.pending.values()) if (!p.sent) this.send(p);
    };
    socket.onmessage = (ev) => {
      if (this.socket === socket) this.receive(ev.data);
    };
    socket.onerror = () => {
      /* onclose follows and reconnects; the browser already logs the cause */
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      for (const [id, p] of this.pending) {
        if (!p.sent) continue;
        this.pending.delete(id);
        p.resolve(failure('BRIDGE_DISCONNECTED', 'the connection to Strata was lost before it answered; try again'));
      }
      if (!this.closed) this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    this.setState('reconnecting');
    this.timer = setTimeout(() => this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, this.opts.maxDelayMs ?? 5000);
  }

  private receive(data: unknown): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(String(data)) as ServerMessage;
    } catch {
      return this.report('the engine sent a message that is not JSON');
    }
    if (msg && typeof msg === 'object' && 'event' in msg) {
      for (const l of this.listeners.get(msg.event) ?? []) {
        try {
          (l as (payload: unknown) => void)(msg.payload);
        } catch (e) {
          this.report(`listener of ${msg.event} failed: ${(e as Error).message}`);
        }
      }
      return;
    }
    if (!msg || typeof msg !== 'object' || typeof (msg as { id?: unknown }).id !== 'number') {
      return this.report('the engine sent a message with neither an id nor an event');
    }
    const p = this.pending.get(msg.id);
    if (!p) {
      const err = msg.ok ? '' : `: ${msg.error.code} ${msg.error.message}`;
      return this.report(`reply to unknown call ${msg.id}${err}`);
    }
    this.pending.delete(msg.id);
    p.resolve(msg.ok ? { ok: true, result: msg.result } : { ok: false, error: msg.error });
  }
}

function failure(code: BridgeErrorCode, message: string): { ok: false; error: { code: string; message: string } } {
  return { ok: false, error: { code, message } };
}
