import { lazy, type ComponentType } from 'react';

export interface LazyScreen<P> {
  (props: P): React.ReactElement;
  /** Loads the screen's code now (before it is shown), once. */
  preload(): Promise<unknown>;
}

/**
 * A screen whose code loads when first needed. Once loaded (or preloaded), it renders directly, not through
 * React.lazy: a lazy component suspends on its first render, and React holds a revealed Suspense boundary back
 * for up to 300 ms, which a screen already in memory should not pay.
 */
export function lazyScreen<P extends object, K extends string>(load: () => Promise<Record<K, ComponentType<P>>>, name: K): LazyScreen<P> {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<ComponentType<P>> | undefined;
  const preload = () => (loading ??= load().then((module) => (loaded = module[name])));
  const Lazy = lazy(() => preload().then((component) => ({ default: component })));
  const Screen = (props: P) => {
    const Component = loaded ?? Lazy;
    return <Component {...props} />;
  };
  return Object.assign(Screen, { preload });
}
