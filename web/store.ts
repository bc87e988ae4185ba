/** A value components can watch: the dashboard's small shared state. */
import { useEffect, useState } from "preact/hooks";

/** A watched value. */
export interface Store<T> {
  get(): T;
  set(value: T): void;
  /** Calls `listener` on every change; returns the unsubscribe. */
  subscribe(listener: (value: T) => void): () => void;
}

/**
 * Creates a store.
 * @param initial The first value.
 * @returns The store.
 */
export function store<T>(initial: T): Store<T> {
  let value = initial;
  const listeners = new Set<(value: T) => void>();
  return {
    get: () => value,
    set(next) {
      value = next;
      for (const listener of [...listeners]) listener(next);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/**
 * The store's value in a component, re-rendering on change.
 * @param source The store.
 * @returns Its current value.
 */
export function useStore<T>(source: Store<T>): T {
  const [value, setValue] = useState(source.get());
  useEffect(() => {
    setValue(source.get());
    return source.subscribe(setValue);
  }, [source]);
  return value;
}
