import type { Trust } from './api';
import { translate, type Language } from './i18n';

/** A chain's trust in words, in the user's language. */
export function trustText(language: Language, trust: Trust): string {
  switch (trust.trust) {
    case 'trusted':
      return translate(language, 'trust.trusted');
    case 'issuer_not_installed':
      return translate(language, 'trust.issuer_not_installed', { name: trust.issuer });
    case 'root_not_trusted':
      return translate(language, 'trust.root_not_trusted', { name: trust.root });
    case 'cannot_verify':
      return translate(language, 'trust.cannot_verify', { reason: trust.reason });
  }
}
