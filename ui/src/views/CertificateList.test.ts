import { fireEvent, render } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import CertificateList from './CertificateList.svelte';
import { entry } from '../test/entries';

describe('CertificateList', () => {
  it('puts only the rows in view into the page, even for 2,000 certificates', () => {
    const entries = Array.from({ length: 2000 }, (_, i) => entry({ id: `id${i}`, name: `Person ${String(i).padStart(4, '0')}` }));
    const { container } = render(CertificateList, { entries, byId: new Map(entries.map((e) => [e.id, e])), language: 'en', now: new Date('2026-11-22T00:00:00Z') });
    const rows = container.querySelectorAll('[role=option]');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(40);
    expect((container.querySelector('.spacer') as HTMLElement).style.height).toBe(`${2000 * 56}px`);
  });

  it('calls for deletion on the Delete key when something is selected', async () => {
    let asked = 0;
    const entries = [entry({ id: 'a' }), entry({ id: 'b' })];
    const { getByRole } = render(CertificateList, {
      entries, byId: new Map(entries.map((e) => [e.id, e])), language: 'ja', now: new Date(), ondelete: () => asked++,
    });
    const list = getByRole('listbox');
    await fireEvent.keyDown(list, { key: 'Delete' });
    expect(asked).toBe(0);
    await fireEvent.keyDown(list, { key: 'End' });
    await fireEvent.keyDown(list, { key: 'Delete' });
    expect(asked).toBe(1);
    expect(list.getAttribute('aria-label')).toBe('証明書');
  });

  it('says which card holds a certificate, and that its key stays there', () => {
    const entries = [
      entry({ id: 'card', name: 'Hanako', key: 'on_token', has_private_key: true, key_exportable: false, exportable: false, card: { label: 'JPKI', reader: 'SONY FeliCa Port/PaSoRi 4.0' } }),
      entry({ id: 'db', name: 'Taro', email: 'taro@example.jp' }),
    ];
    for (const [language, where, key] of [['en', 'On card: JPKI', 'On the card'], ['ja', 'カード: JPKI', 'カード内']] as const) {
      const { container, unmount } = render(CertificateList, { entries, byId: new Map(entries.map((e) => [e.id, e])), language, now: new Date() });
      const card = container.querySelector('[data-id=card]')!;
      expect(card.querySelector('.note')?.textContent).toBe(where);
      expect(card.querySelector('.note')?.getAttribute('title')).toBe('SONY FeliCa Port/PaSoRi 4.0');
      expect(card.querySelector('.key')?.textContent?.trim()).toBe(key);
      expect(card.querySelector('.key')?.getAttribute('title')).toMatch(/exported|エクスポート/);
      expect(container.querySelector('[data-id=db] .note')?.textContent).toBe('taro@example.jp');
      unmount();
    }
  });
});
