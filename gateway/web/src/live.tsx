import { HubConnectionBuilder, HubConnectionState, LogLevel, type HubConnection } from '@microsoft/signalr';
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { InvoiceStatus } from './api';

/** What Notifications pushes on /hubs/dashboard as "invoiceUpdated". */
export interface InvoiceUpdate {
  invoiceId: string;
  number: string | null;
  status: InvoiceStatus;
  amountDue: number;
  amountPaid: number;
  currency: string | null;
}

/** What Notifications pushes as "paymentFailed": a customer's payment was declined; the id is the event's (a redelivery repeats it). */
export interface PaymentFailure {
  id: string;
  invoiceId: string;
  number: string | null;
  amount: number;
  currency: string;
  reason: string | null;
  failedAt: string;
}

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'offline';

type Listener = (update: InvoiceUpdate) => void;
type FailureListener = (failure: PaymentFailure) => void;
type ResyncListener = () => void;

interface LiveValue {
  state: LiveState;
  subscribe: (listener: Listener) => () => void;
  subscribeFailures: (listener: FailureListener) => () => void;
  subscribeResync: (listener: ResyncListener) => () => void;
}

const LiveContext = createContext<LiveValue>({ state: 'offline', subscribe: () => () => {}, subscribeFailures: () => () => {}, subscribeResync: () => () => {} });

/** One SignalR connection per signed-in tab; the access cookie authenticates it through the gateway. */
export function LiveProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<LiveState>('connecting');
  const listeners = useRef(new Set<Listener>());
  const failureListeners = useRef(new Set<FailureListener>());
  const resyncListeners = useRef(new Set<ResyncListener>());
  const [value] = useState<Omit<LiveValue, 'state'>>(() => ({
    subscribe: (listener: Listener) => {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
    subscribeFailures: (listener: FailureListener) => {
      failureListeners.current.add(listener);
      return () => failureListeners.current.delete(listener);
    },
    subscribeResync: (listener: ResyncListener) => {
      resyncListeners.current.add(listener);
      return () => resyncListeners.current.delete(listener);
    },
  }));

  useEffect(() => {
    let stopped = false;
    let retry: number | undefined;
    let wasLive = false;
    const resync = () => resyncListeners.current.forEach((listener) => listener());
    const connection: HubConnection = new HubConnectionBuilder()
      .withUrl('/hubs/dashboard')
      .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 30000])
      .configureLogging(LogLevel.Warning)
      .build();
    connection.on('invoiceUpdated', (update: InvoiceUpdate) => listeners.current.forEach((listener) => listener(update)));
    connection.on('paymentFailed', (failure: PaymentFailure) => failureListeners.current.forEach((listener) => listener(failure)));
    // Notifications lost updates (its queue was gone while the broker restarted), or this tab did (it was disconnected):
    // either way the pushes missed are not sent again, so what is on screen is read again.
    connection.on('resync', resync);
    connection.onreconnecting(() => setState('reconnecting'));
    connection.onreconnected(() => {
      setState('live');
      resync();
    });
    connection.onclose(() => {
      if (stopped) return;
      setState('offline');
      retry = window.setTimeout(start, 5000);
    });

    async function start() {
      if (stopped || connection.state !== HubConnectionState.Disconnected) return;
      setState('connecting');
      try {
        await connection.start();
        if (stopped) return;
        setState('live');
        if (wasLive) resync();
        wasLive = true;
      } catch {
        if (!stopped) {
          setState('offline');
          retry = window.setTimeout(start, 5000);
        }
      }
    }

    void start();
    return () => {
      stopped = true;
      window.clearTimeout(retry);
      void connection.stop();
    };
  }, []);

  return (
    <LiveContext.Provider value={{ state, subscribe: value.subscribe, subscribeFailures: value.subscribeFailures, subscribeResync: value.subscribeResync }}>
      {children}
    </LiveContext.Provider>
  );
}

export function useLiveState(): LiveState {
  return useContext(LiveContext).state;
}

/** Calls the listener for every invoice update pushed to this tenant's dashboards. */
export function useInvoiceUpdates(listener: Listener): void {
  const { subscribe } = useContext(LiveContext);
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => subscribe((update) => latest.current(update)), [subscribe]);
}

/** Calls the listener for every failed payment pushed to this tenant's dashboards. */
export function usePaymentFailures(listener: FailureListener): void {
  const { subscribeFailures } = useContext(LiveContext);
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => subscribeFailures((failure) => latest.current(failure)), [subscribeFailures]);
}

/** Calls the listener when pushes may have been missed (a reconnect, or Notifications' "resync"): read the data again. */
export function useResync(listener: ResyncListener): void {
  const { subscribeResync } = useContext(LiveContext);
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => subscribeResync(() => latest.current()), [subscribeResync]);
}
