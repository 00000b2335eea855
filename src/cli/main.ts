#!/usr/bin/env node
/**
 * The `lark-im` entry: V8's young generation kept small before anything else loads (young-generation.ts),
 * then the command line.
 */
import '../core/young-generation.js';
import './program.js';
