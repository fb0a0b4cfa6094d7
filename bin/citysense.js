#!/usr/bin/env node
// The `citysense` command. The sources are TypeScript run through tsx, so a fresh clone needs
// no build step between `npm install` and `npm start`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../app/cli.ts');
process.exitCode = await main(process.argv.slice(2));
