import { describe, expect, it } from 'vitest';
import { catalogueKeys, languageFor, translate } from './index';

describe('catalogues', () => {
  it('have the same keys in Japanese and English', () => {
    expect([...catalogueKeys.ja].sort()).toEqual([...catalogueKeys.en].sort());
  });

  it('fill parameters and pick the language from the locale', () => {
    expect(translate('en', 'list.count', { count: 3 })).toBe('3 certificates');
    expect(translate('ja', 'list.count', { count: 3 })).toBe('証明書 3 件');
    expect(languageFor('ja-JP')).toBe('ja');
    expect(languageFor('en-GB')).toBe('en');
    expect(languageFor(undefined)).toBe('en');
  });
});
