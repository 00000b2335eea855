/**
 * The console API's route table: every route, its method and its handler. 404 (no such path) and 405 with
 * Allow (the path under another method) follow from it (src/core/route-table.ts). A new API call is a
 * handler in handlers/ and one line here.
 */
import type { ApiRoute } from './api.js';
import * as config from './handlers/config.js';
import * as connector from './handlers/connector.js';
import * as runs from './handlers/runs.js';

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/api/state', handler: config.getState },
  { method: 'GET', path: '/api/manifest', handler: config.getManifest },
  { method: 'GET', path: '/api/sample', handler: config.getSample },
  { method: 'POST', path: '/api/config', handler: config.setConfig },
  { method: 'POST', path: '/api/config/load', handler: config.loadConfig },
  { method: 'POST', path: '/api/config/save', handler: config.saveConfig },
  { method: 'POST', path: '/api/test', handler: connector.connectionTest },
  { method: 'POST', path: '/api/dry-run', handler: connector.dryRun },
  { method: 'POST', path: '/api/receivers', handler: connector.receivers },
  { method: 'POST', path: '/api/source/chats', handler: connector.chats },
  { method: 'POST', path: '/api/source/preview', handler: connector.preview },
  { method: 'POST', path: '/api/send', handler: runs.send },
  { method: 'GET', path: '/api/runs/:id', handler: runs.snapshot },
  { method: 'POST', path: '/api/runs/:id/stop', handler: runs.stop },
  { method: 'POST', path: '/api/runs/:id/resume', handler: runs.resume },
  { method: 'GET', path: '/api/runs/:id/events', handler: runs.events },
  { method: 'GET', path: '/api/runs/:id/report', handler: runs.report },
];
