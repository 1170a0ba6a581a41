import type { Variant } from '../../variants.js';
import { expressSessionApp } from './express-session.js';
import { noSessionApp } from './none.js';
import { qsessionsApp } from './qsessions.js';
import type { VariantApp } from './variant-app.js';

/** The app of a variant, by family. */
export function variantApp(variant: Variant, settings: { redisPrefix: string; sqliteDir: string }): VariantApp {
  switch (variant.family) {
    case 'none':
      return noSessionApp();
    case 'express-session':
      return expressSessionApp(variant, settings.redisPrefix);
    case 'qsessions':
      return qsessionsApp(variant, settings);
  }
}
