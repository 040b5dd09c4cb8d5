import { en, type MessageKey } from './en';
import { ja } from './ja';

export type Language = 'en' | 'ja';
export type { MessageKey };

const catalogues: Record<Language, Record<MessageKey, string>> = { en, ja };

/** The OS locale decides, as the brief asks: Japanese for ja-*, else English. */
export function languageFor(locale: string | undefined): Language {
  return locale?.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export function translate(language: Language, key: MessageKey, params: Record<string, string | number> = {}): string {
  return catalogues[language][key].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

export function formatDate(language: Language, iso: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium' }).format(new Date(iso));
}

export const catalogueKeys = { en: Object.keys(en), ja: Object.keys(ja) };
