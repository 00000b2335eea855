import v8 from 'node:v8';
v8.setFlagsFromString('--semi-space-growth-factor=1');
process.argv.splice(1, 1, '/work/wt/stream3/dist/cli/main.js');
await import('/work/wt/stream3/dist/cli/main.js');
