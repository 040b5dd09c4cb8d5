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
});
