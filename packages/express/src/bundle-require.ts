import { createRequire } from 'node:module';

/**
 * A require for a CommonJS bundle, which has no import.meta.url (createRequire threw there,
 * at import): from the bundle's own path, so it finds packages in the node_modules deployed
 * beside the bundle.
 */
export function bundleRequire(): NodeJS.Require {
  return createRequire(__filename);
}
