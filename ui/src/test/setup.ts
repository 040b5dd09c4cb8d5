// jsdom has no layout: the list's size observer gets an inert stand-in (the
// list then assumes a 640 px viewport), and each test starts on an empty page.
import { cleanup } from '@testing-library/svelte';
import { afterEach } from 'vitest';

globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
};

afterEach(() => cleanup());
