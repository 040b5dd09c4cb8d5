import { describe, expect, it } from 'vitest';
import { shortcutOf } from './shortcuts';

const key = (key: string, init: KeyboardEventInit = {}) => new KeyboardEvent('keydown', { key, ...init });

describe('shortcutOf', () => {
  it('knows the shortcuts the toolbar announces, with Ctrl or ⌘', () => {
    const cases: [KeyboardEvent, string | null][] = [
      [key('f', { ctrlKey: true }), 'search'],
      [key('F', { metaKey: true }), 'search'],
      [key('i', { ctrlKey: true }), 'import'],
      [key('e', { ctrlKey: true }), 'export'],
      [key('E', { ctrlKey: true, shiftKey: true }), 'export-all'],
      [key('Delete'), 'delete'],
      [key('F5'), 'refresh'],
      [key('r', { metaKey: true }), 'refresh'],
      [key('f'), null],
      [key('e'), null],
      [key('a', { ctrlKey: true }), null],
    ];
    for (const [event, shortcut] of cases) expect([event.key, shortcutOf(event)]).toEqual([event.key, shortcut]);
  });

  it('leaves Delete in a text field to the text', () => {
    const input = document.createElement('input');
    const event = key('Delete', { bubbles: true });
    let seen: string | null = 'unset';
    input.addEventListener('keydown', (e) => (seen = shortcutOf(e)));
    input.dispatchEvent(event);
    expect(seen).toBeNull();
  });
});
