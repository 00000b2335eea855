// The send-mode part of the node form: the mode switch (the sendType select form.js renders), the receiver
// binding and message tables (field names offered from the pasted records), the fixed-receiver picker and a
// template editor with a live preview (a dry-run of the first record). Values go to the server with the rest
// of the node form; labels come from the manifest's messages, the few extra words from WORDS below.
import { api } from './api.js';
import { clear, h, uid } from './dom.js';
import { mt } from './i18n.js';
import { dryRunCard } from './preview.js';

const WORDS = {
  en_US: { remove: 'Remove', search: 'Search', add: 'Add', useTemplate: 'Use a template instead of content fields', contentType: 'Content type', markdownAs: 'Markdown as', content: 'Template content (JSON with {{field}} placeholders, or markdown text)', preview: 'Live preview (first record)', previewEmpty: 'Paste records below to see the first one rendered.', searchHint: 'Name or id', noMatch: 'No chats or users match.', picked: 'Picked receivers', results: 'Search results' },
  zh_CN: { remove: '删除', search: '搜索', add: '添加', useTemplate: '使用模板代替内容字段', contentType: '内容类型', markdownAs: 'Markdown 转换为', content: '模板内容（带 {{字段}} 占位符的 JSON，或 markdown 文本）', preview: '实时预览（第一条记录）', previewEmpty: '在下方粘贴记录即可预览第一条的渲染结果。', searchHint: '名称或 ID', noMatch: '没有匹配的群聊或用户。', picked: '已选接收者', results: '搜索结果' },
  zh_TW: { remove: '刪除', search: '搜尋', add: '新增', useTemplate: '使用範本代替內容欄位', contentType: '內容類型', markdownAs: 'Markdown 轉換為', content: '範本內容（帶 {{欄位}} 佔位符的 JSON，或 markdown 文字）', preview: '即時預覽（第一筆記錄）', previewEmpty: '在下方貼上記錄即可預覽第一筆的渲染結果。', searchHint: '名稱或 ID', noMatch: '沒有符合的群組或使用者。', picked: '已選接收者', results: '搜尋結果' },
};

/** The values of the first field named `key` in the manifest's node form: the lists are the connector's. */
function enumValues(manifest, key) {
  const find = (node) => {
    if (!node || typeof node !== 'object') return undefined;
    for (const [name, field] of Object.entries(node.properties ?? {})) {
      if (name === key && Array.isArray(field?.enum)) return field.enum.map((e) => (typeof e === 'object' ? e.value : e));
      const inner = find(field) ?? find(field?.items);
      if (inner) return inner;
    }
    return undefined;
  };
  return find(manifest?.configOptions?.node) ?? [];
}

/** Dot paths of the fields of the first records in the records box, for the field inputs' suggestions. */
export function fieldPaths(text, limit = 5) {
  const values = [];
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('[')) values.push(...JSON.parse(trimmed).slice(0, limit));
  } catch { /* not one JSON array: read lines */ }
  if (values.length === 0) {
    for (const line of trimmed.split('\n').slice(0, limit)) {
      try { values.push(JSON.parse(line)); } catch { /* a bad line offers nothing */ }
    }
  }
  const out = new Set();
  const walk = (v, prefix, depth) => {
    if (depth > 4 || v === null || typeof v !== 'object' || Array.isArray(v)) return;
    for (const [k, child] of Object.entries(v)) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.add(p);
      walk(child, p, depth + 1);
    }
  };
  for (const v of values) walk(v, '', 0);
  return [...out];
}

/**
 * Builds the editor into container. nodeForm is form.js's node form (its sendType select is the mode switch);
 * recordsEl the records textarea; saveConfig() sends the page's current settings to the server (without
 * refilling the forms, so typing is not interrupted). Returns {read, fill, setLang, refreshFields}.
 */
export function renderSendModes(container, manifest, nodeForm, recordsEl, lang, saveConfig) {
  const w = (key) => (WORDS[lang] ?? WORDS.en_US)[key];
  const m = (key) => mt(manifest, lang, `\${${key}}`);
  const receiveTypes = enumValues(manifest, 'receiveType');
  const contentTypes = enumValues(manifest, 'messageType');
  const modeField = nodeForm.fields.find((f) => f.key === 'sendType');
  const listId = uid('record-fields');
  const fieldList = h('datalist', { id: listId });
  let state = { dynamicBinding: [], messageConfig: [], receivers: [], template: null };
  let results = [];
  let previewTimer;

  const mode = () => {
    const v = modeField ? modeField.enumValues[Number(modeField.input.value)]?.value : undefined;
    return v ?? 'message_body';
  };
  const select = (options, value, onChange, label) => {
    const s = h('select', { 'aria-label': label, onchange: () => onChange(s.value) });
    for (const o of options) s.append(h('option', { value: o.value ?? o }, o.label ?? o));
    s.value = value ?? '';
    return s;
  };
  const fieldInput = (value, onInput, label) =>
    h('input', { type: 'text', list: listId, value: value ?? '', spellcheck: 'false', autocomplete: 'off', 'aria-label': label, oninput: (ev) => onInput(ev.target.value) });

  function rowsTable(key, columns, blank) {
    const rows = state[key];
    const table = h('table', { class: 'rows-table' },
      h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c.title)), h('th', {}))));
    const body = h('tbody', {});
    rows.forEach((row, i) => {
      body.append(h('tr', {},
        ...columns.map((c) => h('td', {}, c.cell(row, (v) => { row[c.key] = v; schedulePreview(); }))),
        h('td', {}, h('button', { type: 'button', onclick: () => { rows.splice(i, 1); render(); schedulePreview(); } }, w('remove')))));
    });
    table.append(body);
    return h('div', { class: 'rows' }, table,
      h('button', { type: 'button', onclick: () => { rows.push(blank()); render(); } }, m('add_row')));
  }

  function pickerPanel() {
    const query = h('input', { type: 'search', placeholder: w('searchHint'), 'aria-label': w('searchHint') });
    const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    const found = h('ul', { class: 'picker-results', 'aria-label': w('results') });
    const showResults = () => {
      clear(found);
      for (const item of results) {
        found.append(h('li', {}, `${item.label} `, h('code', {}, item.value), ' ',
          h('button', { type: 'button', onclick: () => {
            if (!state.receivers.some((r) => r.receiveId === item.value)) state.receivers.push({ receiveType: item.receiveType, receiveId: item.value, label: item.label });
            render();
            schedulePreview();
          } }, w('add'))));
      }
    };
    const search = async () => {
      status.textContent = '';
      try {
        // The picker needs only the connection: a fixed-mode node with no receiver yet is refused by the
        // server's config check, and must not stop the search that picks the first receiver.
        await saveConfig().catch(() => {});
        const res = await api.receivers({ query: query.value, page: 1, size: 50 });
        results = res.items;
        if (results.length === 0) status.textContent = w('noMatch');
      } catch (err) {
        results = [];
        status.textContent = `${err.code ? err.code + ': ' : ''}${err.message}`;
      }
      showResults();
    };
    query.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); void search(); } });
    showResults();
    const picked = h('ul', { class: 'picked', 'aria-label': w('picked') });
    state.receivers.forEach((r, i) => picked.append(h('li', {}, `${r.label ?? r.receiveType} `, h('code', {}, r.receiveId), ' ',
      h('button', { type: 'button', onclick: () => { state.receivers.splice(i, 1); render(); schedulePreview(); } }, w('remove')))));
    return h('fieldset', { class: 'picker' }, h('legend', {}, m('receivers')),
      h('div', { class: 'actions' }, query, h('button', { type: 'button', onclick: () => void search() }, w('search'))),
      status, found, h('h4', {}, w('picked')), picked);
  }

  function templatePanel() {
    const t = state.template;
    const use = h('input', { type: 'checkbox', id: uid('use-template'), checked: t !== null, onchange: (ev) => {
      state.template = ev.target.checked ? { contentType: 'text', content: '{"text": "Order {{id}}"}' } : null;
      render();
      schedulePreview();
    } });
    const wrap = h('fieldset', { class: 'template' }, h('legend', {}, m('template')),
      h('label', {}, use, ' ', w('useTemplate')));
    if (t) {
      const area = h('textarea', { rows: 6, spellcheck: 'false', 'aria-label': w('content'), oninput: (ev) => { t.content = ev.target.value; schedulePreview(); } });
      area.value = typeof t.content === 'string' ? t.content : JSON.stringify(t.content, null, 2);
      wrap.append(...[
        h('label', {}, w('contentType'), ' ', select(contentTypes, t.contentType, (v) => { t.contentType = v; render(); schedulePreview(); }, w('contentType'))),
        t.contentType === 'markdown' ? h('label', {}, ' ', w('markdownAs'), ' ', select(['post', 'card'], t.markdownAs ?? 'post', (v) => { t.markdownAs = v; schedulePreview(); }, w('markdownAs'))) : null,
        h('label', { class: 'block' }, w('content'), area)].filter(Boolean));
    }
    return wrap;
  }

  const preview = h('div', { class: 'template-preview', 'aria-live': 'polite' });

  function render() {
    const current = mode();
    clear(container);
    container.append(fieldList);
    if (current === 'message_body') return;
    if (current === 'dynamic_binding') {
      container.append(h('fieldset', {}, h('legend', {}, m('dynamic_binding')), rowsTable('dynamicBinding', [
        { key: 'receiveType', title: m('receive_type'), cell: (row, set) => select(receiveTypes.map((v) => ({ value: v, label: m(`receive_type_${v}`) })), row.receiveType, set, m('receive_type')) },
        { key: 'receiveId', title: m('receive_field'), cell: (row, set) => fieldInput(row.receiveId, set, m('receive_field')) },
      ], () => ({ receiveType: 'email', receiveId: '' }))));
    } else {
      container.append(pickerPanel());
    }
    if (state.template === null) {
      container.append(h('fieldset', {}, h('legend', {}, m('message_config')), rowsTable('messageConfig', [
        { key: 'messageType', title: m('message_type'), cell: (row, set) => select(contentTypes, row.messageType, set, m('message_type')) },
        { key: 'messageField', title: m('message_field'), cell: (row, set) => fieldInput(row.messageField, set, m('message_field')) },
      ], () => ({ messageType: 'text', messageField: '' }))));
    }
    container.append(templatePanel(), h('h4', {}, w('preview')), preview);
  }

  function refreshFields() {
    clear(fieldList);
    for (const p of fieldPaths(recordsEl.value)) fieldList.append(h('option', { value: p }));
  }

  /** The live preview: the current settings, then a dry-run of the first record. */
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(() => void runPreview(), 400);
  }
  async function runPreview() {
    if (mode() === 'message_body') return;
    const first = recordsEl.value.trim().split('\n')[0] ?? '';
    if (first === '' || first.startsWith('[')) { preview.replaceChildren(h('p', { class: 'hint' }, w('previewEmpty'))); return; }
    try {
      await saveConfig();
      const res = await api.dryRun(first);
      preview.replaceChildren(...res.outcomes.map((o) => dryRunCard(lang, o)));
    } catch (err) {
      preview.replaceChildren(h('p', { class: 'status', 'data-kind': 'error' }, `${err.code ? err.code + ': ' : ''}${err.message}`));
    }
  }

  function read() {
    const current = mode();
    const clean = (rows, keys) => rows.filter((r) => keys.every((k) => String(r[k] ?? '').trim() !== '')).map((r) => Object.fromEntries(keys.map((k) => [k, r[k]])));
    const template = state.template && current !== 'message_body' ? { ...state.template } : null;
    return {
      dynamicBinding: current === 'dynamic_binding' ? clean(state.dynamicBinding, ['receiveType', 'receiveId']) : null,
      receivers: current === 'fixed' ? clean(state.receivers, ['receiveType', 'receiveId']) : null,
      messageConfig: current !== 'message_body' && !template ? clean(state.messageConfig, ['messageType', 'messageField']) : null,
      template,
    };
  }

  function fill(node = {}) {
    // A bare id is read as the server reads it (transform/config.ts fixedReceiver).
    const bareType = (id) => (id.startsWith('oc_') ? 'chat_id' : id.startsWith('on_') ? 'union_id' : id.includes('@') ? 'email' : 'open_id');
    const rows = (v) => (Array.isArray(v) ? v.map((r) => (typeof r === 'string' ? { receiveType: bareType(r), receiveId: r } : { ...r })) : []);
    state = {
      dynamicBinding: rows(node.dynamicBinding),
      messageConfig: rows(node.messageConfig),
      receivers: rows(node.receivers),
      template: node.template && typeof node.template === 'object' ? { ...node.template } : null,
    };
    // A config without sendType means what the connector makes of it (bindings -> dynamic_binding, ...),
    // not the form's default: otherwise saving the form would switch such a config to message_body.
    if (modeField && node.sendType === undefined) {
      const implied = state.dynamicBinding.length > 0 ? 'dynamic_binding' : state.receivers.length > 0 ? 'fixed' : 'message_body';
      const i = modeField.enumValues.findIndex((e) => e.value === implied);
      if (i >= 0) modeField.input.value = String(i);
    }
    render();
  }

  modeField?.input.addEventListener('change', () => { render(); schedulePreview(); });
  recordsEl.addEventListener('input', () => { refreshFields(); schedulePreview(); });
  refreshFields();
  render();
  return {
    read, fill, refreshFields,
    setLang(newLang) { lang = newLang; render(); },
  };
}
