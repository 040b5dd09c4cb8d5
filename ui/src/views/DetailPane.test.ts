import { render, screen } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import DetailPane from './DetailPane.svelte';
import { entry } from '../test/entries';

describe('DetailPane', () => {
  afterEach(() => clearMocks());

  it('says in the user language what is wrong with a certificate that cannot be right', async () => {
    // The details command fails: the pane still shows what the listing knows.
    mockIPC(() => {
      throw { kind: 'bad_certificate', message: 'unreadable' };
    });
    const broken = entry({ id: 'broken', name: '壊れた証明書', defects: ['validity_reversed', 'unknown_critical_extension'] });
    render(DetailPane, { entry: broken, language: 'ja' });
    const list = await screen.findByRole('list', { name: 'この証明書の問題' });
    expect(list.textContent).toContain('有効期間の終わりが始まりより前');
    expect(list.textContent).toContain('重要（critical）拡張');
  });

  it('shows no problem list for a sound certificate', () => {
    mockIPC(() => new Promise(() => {}));
    render(DetailPane, { entry: entry({ id: 'sound' }), language: 'en' });
    expect(screen.queryByRole('list', { name: 'What is wrong with this certificate' })).toBeNull();
  });
});
