#!/usr/bin/env node
// The `pagerag` command (see src/node/cli.ts); runs the built library.
import { runCli } from '../dist/cli.js';

process.exitCode = await runCli(process.argv.slice(2));
