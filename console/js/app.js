// Wires the page: loads the manifest and state, renders the forms, runs test / dry-run / send.
import { api, followRun } from './api.js';
import { clear, h } from './dom.js';
import { renderForm } from './form.js';
import { fill, LANGS, t } from './i18n.js';
import { dryRunCard, sendRow } from './preview.js';
import { renderSendModes } from './send-modes.js';
import { initSource } from './source.js';

const $ = (id) => document.getElementById(id);

const state = {
  manifest: null,
  lang: 'en_US',
  emulator: null,
  connForm: null,
  nodeForm: null,
  sendModes: null,  // the send-mode editor (send-modes.js)
  test: null,       // { items } | { error }
  dryRun: null,     // { outcomes, summary } | { error }
  run: null,        // { id, total, outcomes, progress?, stopping?, summary?, resume?, error? }
  source: null,     // the source tab (source.js): { render }
  status: {},       // element id -> [key, vars] so messages re-translate
};

function setStatus(id, key, vars = {}, kind = 'info') {
  state.status[id] = key === null ? null : [key, vars, kind];
  renderStatus(id);
}

function renderStatus(id) {
  const el = $(id);
  const s = state.status[id];
  el.textContent = s ? t(state.lang, s[0], s[1]) : '';
  el.dataset.kind = s ? s[2] : '';
}

function errorText(err) {
  return `${err.code ? err.code + ': ' : ''}${err.message}`;
}

// ---- language ---------------------------------------------------------------------------------

function applyLang(lang) {
  state.lang = lang;
  const meta = LANGS.find((l) => l.code === lang) ?? LANGS[0];
  document.documentElement.lang = meta.html;
  document.title = t(lang, 'title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(lang, el.dataset.i18n);
  state.connForm?.setLang(lang);
  state.nodeForm?.setLang(lang);
  state.sendModes?.setLang(lang);
  if (state.emulator) $('emulator-badge').textContent = t(lang, 'emulatorBadge', { url: state.emulator.baseUrl });
  for (const id of Object.keys(state.status)) renderStatus(id);
  renderTest();
  renderDryRun();
  renderRun();
  state.source?.render();
}

// ---- config -----------------------------------------------------------------------------------

function formValues() {
  return { connection: state.connForm.read(), node: { ...state.nodeForm.read(), ...state.sendModes?.read() } };
}

function fillForms(config) {
  state.connForm.fill(config.connection, config.secretsSet);
  state.nodeForm.fill(config.node, config.secretsSet);
  state.sendModes?.fill(config.node);
}

/** Every action first pushes the form to the server, which keeps the one config (secret included). */
async function pushConfig() {
  const { config } = await api.saveConfig(formValues());
  fillForms(config);
  return config;
}

async function withBusy(buttons, fn) {
  for (const b of buttons) b.disabled = true;
  try {
    return await fn();
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

// ---- test connection --------------------------------------------------------------------------

function testItemTitle(item) {
  const messages = state.manifest?.messages ?? {};
  const table = messages[state.lang] ?? {};
  for (const key of [`test_item_${item.item}`, `test_${item.item}`, `connection_test_${item.item}`]) {
    if (table[key]) return table[key];
  }
  return item.title || item.item;
}

/** The detail in the page's language: the manifest's message for its detailKey, filled with its detailVars. */
function testItemDetail(item) {
  const template = item.detailKey ? state.manifest?.messages?.[state.lang]?.[item.detailKey] : undefined;
  return template ? fill(template, item.detailVars ?? {}) : item.detail;
}

function renderTest() {
  const list = clear($('test-results'));
  if (!state.test) return;
  if (state.test.error) {
    list.append(h('li', { class: 'test-item test-fail' }, h('span', { class: 'badge badge-fail' }, t(state.lang, 'status_fail')), ' ', errorText(state.test.error)));
    return;
  }
  for (const item of state.test.items) {
    list.append(h('li', { class: `test-item test-${item.status}`, 'data-item': item.item, 'data-status': item.status },
      h('span', { class: `badge badge-${item.status}` }, t(state.lang, `status_${item.status}`)), ' ',
      h('strong', { class: 'test-title' }, testItemTitle(item)),
      h('p', { class: 'test-detail' }, testItemDetail(item))));
  }
}

async function runTest() {
  await withBusy([$('test-btn'), $('save-btn')], async () => {
    setStatus('test-status', 'testing');
    $('test-results').setAttribute('aria-busy', 'true');
    try {
      await pushConfig();
      const { items } = await api.test();
      state.test = { items };
      const count = (s) => items.filter((i) => i.status === s).length;
      setStatus('test-status', 'testDone', { ok: count('ok'), warn: count('warn'), fail: count('fail') }, count('fail') ? 'error' : 'ok');
    } catch (err) {
      state.test = { error: { code: err.code, message: err.message } };
      setStatus('test-status', 'error', { message: errorText(err) }, 'error');
    } finally {
      $('test-results').removeAttribute('aria-busy');
      renderTest();
    }
  });
}

// ---- dry-run ----------------------------------------------------------------------------------

function renderDryRun() {
  const list = clear($('dry-run-results'));
  if (!state.dryRun?.outcomes) return;
  for (const o of state.dryRun.outcomes) list.append(dryRunCard(state.lang, o));
}

function recordsText() {
  return $('records').value;
}

async function runDryRun() {
  const text = recordsText();
  if (text.trim() === '') { setStatus('dry-run-status', 'noRecords', {}, 'error'); return; }
  await withBusy([$('dry-run-btn'), $('send-btn')], async () => {
    setStatus('dry-run-status', 'dryRunning');
    try {
      await pushConfig();
      const res = await api.dryRun(text);
      state.dryRun = res;
      const s = res.summary;
      setStatus('dry-run-status', 'dryRunDone', { valid: s.valid, failed: s.failed, skipped: s.skipped }, s.failed ? 'warn' : 'ok');
    } catch (err) {
      state.dryRun = null;
      setStatus('dry-run-status', 'error', { message: errorText(err) }, 'error');
    }
    renderDryRun();
  });
}

// ---- send -------------------------------------------------------------------------------------

/** Messages that came to an end (not those a stop left unsent): what the progress bar shows. */
function settled(run) {
  return run.outcomes.filter((o) => o.status !== 'not_sent').length;
}

function renderRun() {
  const list = clear($('send-results'));
  const run = state.run;
  const progress = $('send-progress');
  const link = $('report-link');
  renderResume();
  renderEta();
  if (!run) { progress.max = 1; progress.value = 0; link.hidden = true; return; }
  progress.max = Math.max(run.total, 1);
  progress.value = Math.min(settled(run), progress.max);
  for (const o of run.outcomes) list.append(sendRow(state.lang, o));
  link.href = `/api/runs/${encodeURIComponent(run.id)}/report`;
  link.setAttribute('download', `lark-im-report-${run.id}.jsonl`);
  link.hidden = !(run.summary || run.error);
}

/** "1 min 5 s" / "1 分 5 秒": the time left, rounded up to the second. */
function duration(ms) {
  const total = Math.max(1, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  if (m === 0) return t(state.lang, 'durationSeconds', { s: total });
  return t(state.lang, 'durationMinutes', { m, s: total - m * 60 });
}

const ETA_KEYS = { receiver: 'etaReceiver', app: 'etaApp', pace: 'etaPace' };

/**
 * The time left by Lark's quota (the server's estimate, the CLI's), and which limit binds it; while Lark gives no
 * answer, how long it has not (the ETA would stand still).
 */
function renderEta() {
  const p = state.run?.progress;
  const el = $('send-eta');
  const over = state.run?.summary || state.run?.error || state.run?.stopping;
  if (p && !over && p.unreachableMs !== undefined) {
    el.textContent = t(state.lang, 'unreachable', { s: Math.round(p.unreachableMs / 1000) });
    return;
  }
  if (!p || p.etaMs === undefined || over) { el.textContent = ''; return; }
  el.textContent = t(state.lang, ETA_KEYS[p.etaBound] ?? 'etaPace', { eta: duration(p.etaMs), ...p.quota });
}

/** A send that stopped before its end: how many are left, Resume, and the same from a shell. */
function renderResume() {
  const r = state.run?.resume;
  $('resume-area').hidden = !r;
  if (!r) return;
  $('resume-help').textContent = t(state.lang, 'resumeHelp', { n: r.notSent });
  $('resume-btn').textContent = t(state.lang, 'resume', { n: r.notSent });
  $('resume-cli-help').textContent = t(state.lang, 'resumeCliHelp');
  const config = $('config-path').value.trim() || 'lark-im.json';
  $('resume-cli').textContent = `lark-im write --config ${config} --input ${r.input} --state ${r.state}`;
}

function sendingStatus() {
  const run = state.run;
  const p = run.progress ?? { done: run.outcomes.length, total: run.total };
  setStatus('send-status', run.stopping ? 'stopping' : 'sending', { done: p.done, total: p.total });
}

/** Follows a started run (a send or a resume) until it ends; Stop is offered meanwhile. */
async function followSend(runId, total) {
  state.run = { id: runId, total, outcomes: [] };
  renderRun();
  sendingStatus();
  $('send-results').setAttribute('aria-busy', 'true');
  $('stop-btn').hidden = false;
  $('stop-btn').disabled = false;
  try {
    await new Promise((resolve) => {
      followRun(runId, {
        onOutcome(o) {
          state.run.outcomes.push(o);
          $('send-results').append(sendRow(state.lang, o));
          $('send-progress').value = Math.min(settled(state.run), $('send-progress').max);
        },
        onProgress(progress) {
          if (!progress) return;
          state.run.progress = progress;
          if (!state.run.summary && !state.run.error) sendingStatus();
          renderEta();
        },
        onStopping() {
          state.run.stopping = true;
          $('stop-btn').disabled = true;
          sendingStatus();
          renderEta();
        },
        onDone(summary, resume) {
          state.run.summary = summary;
          state.run.resume = resume;
          const counts = { ...summary, notSent: resume?.notSent ?? summary.notSent };
          const key = state.run.stopping ? 'sendStopped' : 'sendDone';
          setStatus('send-status', key, counts, summary.failed || counts.notSent ? 'warn' : 'ok');
          resolve();
        },
        onError(message, resume) {
          state.run.error = message;
          state.run.resume = resume;
          setStatus('send-status', 'sendError', { message }, 'error');
          resolve();
        },
      });
    });
  } finally {
    $('stop-btn').hidden = true;
    $('send-results').removeAttribute('aria-busy');
  }
}

/** Sends (or resumes) with the send and dry-run buttons off until the run ends. */
async function withSendButtons(start) {
  const buttons = [$('send-btn'), $('dry-run-btn'), $('resume-btn')];
  for (const b of buttons) b.disabled = true;
  try {
    await pushConfig();
    const { runId, total } = await start();
    await followSend(runId, total);
  } catch (err) {
    setStatus('send-status', 'error', { message: errorText(err) }, 'error');
  } finally {
    for (const b of buttons) b.disabled = false;
    renderRun();
  }
}

async function runSend() {
  const text = recordsText();
  if (text.trim() === '') { setStatus('send-status', 'noRecords', {}, 'error'); return; }
  await withSendButtons(() => api.send(text));
}

async function stopSend() {
  if (!state.run) return;
  $('stop-btn').disabled = true;
  try {
    await api.stopRun(state.run.id);
  } catch (err) {
    $('stop-btn').disabled = false;
    setStatus('send-status', 'error', { message: errorText(err) }, 'error');
  }
}

async function resumeSend() {
  const from = state.run?.id;
  if (from) await withSendButtons(() => api.resumeRun(from));
}

// ---- start ------------------------------------------------------------------------------------

async function main() {
  const [manifest, st] = await Promise.all([api.manifest(), api.state()]);
  state.manifest = manifest;
  state.emulator = st.emulator;
  const stored = localStorage.getItem('lark-im-console-lang');
  state.lang = LANGS.some((l) => l.code === stored) ? stored : st.lang;

  const langSelect = $('lang');
  for (const l of LANGS) langSelect.append(h('option', { value: l.code, lang: l.html }, l.label));
  langSelect.value = state.lang;
  langSelect.addEventListener('change', () => {
    localStorage.setItem('lark-im-console-lang', langSelect.value);
    applyLang(langSelect.value);
  });

  if (st.emulator) $('emulator-badge').hidden = false;
  state.connForm = renderForm($('connection-fields'), manifest, 'connection', state.lang);
  state.nodeForm = renderForm($('node-fields'), manifest, 'node', state.lang);
  state.sendModes = renderSendModes($('send-mode-editor'), manifest, state.nodeForm, $('records'), state.lang, () => api.saveConfig(formValues()));
  fillForms(st.config);

  $('connection-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    await withBusy([$('save-btn')], async () => {
      try {
        await pushConfig();
        setStatus('config-status', 'saved', {}, 'ok');
      } catch (err) {
        setStatus('config-status', 'error', { message: errorText(err) }, 'error');
      }
    });
  });
  $('node-form').addEventListener('submit', (ev) => ev.preventDefault());
  $('test-btn').addEventListener('click', runTest);
  $('dry-run-btn').addEventListener('click', runDryRun);
  $('send-btn').addEventListener('click', runSend);
  $('stop-btn').addEventListener('click', stopSend);
  $('resume-btn').addEventListener('click', resumeSend);
  $('sample-btn').addEventListener('click', async () => {
    const { text } = await api.sample();
    $('records').value = text;
    state.sendModes.refreshFields();
    $('records').focus();
  });
  $('records-file').addEventListener('change', async (ev) => {
    const file = ev.target.files?.[0];
    if (file) { $('records').value = await file.text(); state.sendModes.refreshFields(); }
  });
  $('load-file-btn').addEventListener('click', async () => {
    const path = $('config-path').value.trim();
    try {
      const res = await api.loadFile(path);
      fillForms(res.config);
      setStatus('config-status', 'loadedFrom', { path: res.path }, 'ok');
    } catch (err) {
      setStatus('config-status', 'error', { message: errorText(err) }, 'error');
    }
  });
  $('save-file-btn').addEventListener('click', async () => {
    const path = $('config-path').value.trim();
    try {
      await pushConfig();
      const res = await api.saveFile(path);
      setStatus('config-status', 'savedTo', { path: res.path }, 'ok');
    } catch (err) {
      setStatus('config-status', 'error', { message: errorText(err) }, 'error');
    }
  });

  state.source = initSource({ $, t: (key, vars) => t(state.lang, key, vars), setStatus, errorText, pushConfig });

  applyLang(state.lang);
  document.body.dataset.ready = 'true';
  $('main').hidden = false;
}

main().catch((err) => {
  $('loading')?.remove();
  document.body.prepend(h('p', { class: 'fatal', role: 'alert' }, `The console could not start: ${err.message}`));
});
