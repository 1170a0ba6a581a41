// `node --import ./register.mjs`: installs the hooks of hooks.mjs before the program runs.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
