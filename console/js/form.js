// Renders a Formily-style manifest section (configOptions.connection / .node) as a plain, labelled form.
import { h, uid } from './dom.js';
import { mt, t } from './i18n.js';

const CUSTOM = '__custom';
const SUPPORTED = new Set(['Input', 'Password', 'Select', 'InputNumber', 'Switch', 'Input.TextArea', 'TextArea']);

/** Fields in x-index order, without hidden ones and without components we cannot render. */
export function fieldsOf(section) {
  return Object.entries(section?.properties ?? {})
    .filter(([, f]) => f && f['x-display'] !== 'hidden' && f.type !== 'void')
    .filter(([, f]) => SUPPORTED.has(f['x-component'] ?? 'Input'))
    .sort(([, a], [, b]) => (a['x-index'] ?? 0) - (b['x-index'] ?? 0));
}

function tooltipOf(f) {
  return f['x-decorator-props']?.tooltip ?? f.tooltip ?? f.description ?? '';
}

function enumOf(f) {
  return (f.enum ?? []).map((e) => (typeof e === 'object' && e !== null ? e : { label: String(e), value: e }));
}

/**
 * Builds the fields of one section into container. Returns an object to read the values, put values in
 * (from the server: secrets arrive only as "is set"), and re-translate labels when the language changes.
 */
export function renderForm(container, manifest, sectionName, lang) {
  const section = manifest?.configOptions?.[sectionName];
  const fields = [];
  container.replaceChildren();
  for (const [key, f] of fieldsOf(section)) {
    const comp = f['x-component'] ?? 'Input';
    const id = `${sectionName}-${key}`;
    const hintId = uid('hint');
    const props = f['x-component-props'] ?? {};
    let input;
    let custom = null;
    if (comp === 'Select') {
      input = h('select', { id, name: key });
      if (!f.required && f.default === undefined) input.append(h('option', { value: '' }));
      enumOf(f).forEach((_e, i) => input.append(h('option', { value: String(i), 'data-enum': i })));
      if (props.allowCreate) {
        // Formily's allowCreate (type your own value, e.g. a private base URL): an "Other" option plus
        // a labelled text box, which stays keyboard- and screen-reader-friendly.
        input.append(h('option', { value: CUSTOM, 'data-other': '' }));
        const customId = `${id}-custom`;
        custom = {
          input: h('input', { id: customId, type: 'text', spellcheck: 'false', autocomplete: 'off' }),
          labelText: h('span', {}),
        };
        custom.wrap = h('div', { class: 'field field-custom', hidden: true },
          h('label', { for: customId }, custom.labelText), custom.input);
        input.addEventListener('change', () => {
          custom.wrap.hidden = input.value !== CUSTOM;
          if (!custom.wrap.hidden) custom.input.focus();
        });
      }
    } else if (comp === 'Switch') {
      input = h('input', { id, name: key, type: 'checkbox' });
    } else if (comp === 'Input.TextArea' || comp === 'TextArea') {
      input = h('textarea', { id, name: key, rows: 3 });
    } else {
      input = h('input', {
        id, name: key,
        type: comp === 'Password' ? 'password' : comp === 'InputNumber' ? 'number' : 'text',
        autocomplete: comp === 'Password' ? 'new-password' : 'off',
        spellcheck: 'false',
      });
      if (comp === 'InputNumber') {
        const min = f.minimum ?? props.min;
        const max = f.maximum ?? props.max;
        if (min !== undefined) input.min = String(min);
        if (max !== undefined) input.max = String(max);
        input.step = String(props.step ?? 1);
        input.inputMode = 'numeric';
      }
    }
    if (f.required) {
      input.required = true;
      input.setAttribute('aria-required', 'true');
    }
    const labelText = h('span', { class: 'label-text' });
    const req = f.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, '*') : null;
    const reqSr = f.required ? h('span', { class: 'sr-only' }) : null;
    const label = h('label', { for: id }, labelText, req, reqSr);
    const hint = h('p', { class: 'hint', id: hintId });
    input.setAttribute('aria-describedby', hintId);
    const wrap = h('div', { class: `field field-${comp.replace('.', '-').toLowerCase()}` }, label, input, hint, custom?.wrap);
    container.append(wrap);
    fields.push({ key, f, comp, input, labelText, reqSr, hint, custom, enumValues: enumOf(f) });
    if (f.default !== undefined) setField(fields[fields.length - 1], f.default);
  }

  const form = {
    fields,
    relabel(newLang) {
      for (const fd of fields) {
        fd.labelText.textContent = mt(manifest, newLang, fd.f.title ?? fd.key);
        if (fd.reqSr) fd.reqSr.textContent = ` (${t(newLang, 'required')})`;
        const tip = mt(manifest, newLang, tooltipOf(fd.f));
        fd.hint.textContent = tip;
        fd.hint.hidden = tip === '';
        if (fd.comp === 'Select') {
          for (const opt of fd.input.options) {
            if (opt.dataset.enum !== undefined) opt.textContent = mt(manifest, newLang, fd.enumValues[Number(opt.dataset.enum)]?.label ?? '');
            else if (opt.dataset.other !== undefined) opt.textContent = t(newLang, 'otherValue');
          }
          if (fd.custom) fd.custom.labelText.textContent = t(newLang, 'customValue', { title: fd.labelText.textContent });
        }
        if (fd.comp === 'Password' && fd.input.dataset.saved === 'true') fd.input.placeholder = t(newLang, 'secretSaved');
      }
    },
    /** Current values; an empty secret is left out (the server keeps the one it has). */
    read() {
      const out = {};
      for (const fd of fields) {
        const v = readField(fd);
        if (v !== undefined) out[fd.key] = v;
        else if (fd.comp !== 'Password') out[fd.key] = null; // cleared: the server drops it
      }
      return out;
    },
    /** Values from the server; secretsSet lists secrets it holds (their values never come back). */
    fill(values, secretsSet = []) {
      for (const fd of fields) {
        if (fd.comp === 'Password') {
          fd.input.value = '';
          const saved = secretsSet.includes(fd.key);
          fd.input.dataset.saved = String(saved);
          fd.input.placeholder = saved ? t(lang, 'secretSaved') : '';
          if (saved) fd.input.required = false;
          else if (fd.f.required) fd.input.required = true;
          continue;
        }
        if (values && fd.key in values) setField(fd, values[fd.key]);
      }
    },
    setLang(newLang) {
      lang = newLang;
      form.relabel(newLang);
    },
  };
  form.relabel(lang);
  return form;
}

function readField(fd) {
  const el = fd.input;
  if (fd.comp === 'Switch') return el.checked;
  if (fd.comp === 'Select') {
    if (el.value === '') return undefined;
    if (el.value === CUSTOM) {
      const v = fd.custom.input.value.trim();
      return v === '' ? undefined : v;
    }
    return fd.enumValues[Number(el.value)]?.value;
  }
  const raw = el.value.trim();
  if (raw === '') return undefined;
  if (fd.comp === 'InputNumber') {
    const n = Number(raw);
    return Number.isFinite(n) ? n : raw;
  }
  return raw;
}

function setField(fd, value) {
  const el = fd.input;
  if (fd.comp === 'Switch') { el.checked = Boolean(value); return; }
  if (fd.comp === 'Select') {
    const i = fd.enumValues.findIndex((e) => e.value === value);
    if (i >= 0) { el.value = String(i); if (fd.custom) fd.custom.wrap.hidden = true; return; }
    if (value === undefined || value === null || value === '') { el.value = el.options[0]?.value ?? ''; return; }
    if (fd.custom) {
      el.value = CUSTOM;
      fd.custom.input.value = String(value);
      fd.custom.wrap.hidden = false;
    }
    return;
  }
  el.value = value === undefined || value === null ? '' : String(value);
}
