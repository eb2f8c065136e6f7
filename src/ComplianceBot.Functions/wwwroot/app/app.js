// ComplianceBot web page: HR imports and office-manager compliance views over the app's own API.
// Plain ES module, no framework, nothing fetched but this origin's /api.

const KEY_STORAGE = 'compliancebot.apiKey';
const STATUS_CLASSES = {
  'current': 'ok',
  'check date': 'check',
  'expiring': 'warn',
  'due today': 'due',
  'expired': 'bad',
  'missing': 'bad',
};

const DUE_WORDS = { 'expired': 'Expired ', 'missing': 'Due ', 'due today': 'Due ' };

const $ = (id) => document.getElementById(id);
const state = { me: null, importFile: null, importKind: null, errorsUrl: null, resultUrl: null, attachTo: null };

/** An HTTP failure carrying the problem+json title and detail. */
class ApiError extends Error {
  constructor(status, title, detail) {
    super(title);
    this.status = status;
    this.detail = detail;
  }
}

// ---- plumbing -------------------------------------------------------------

function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

function authHeaders(extra = {}) {
  const key = apiKey();
  return key ? { ...extra, 'X-Api-Key': key } : extra;
}

/** Reads a problem+json (or any) error body into an ApiError. */
function problemFrom(status, contentType, text) {
  let title = `The request failed (HTTP ${status}).`;
  let detail = '';
  if (contentType && contentType.includes('json') && text) {
    try {
      const body = JSON.parse(text);
      title = body.title || title;
      detail = body.detail || '';
      if (body.errors) {
        detail = [detail, ...Object.entries(body.errors).map(([field, reasons]) => `${field}: ${[].concat(reasons).join(' ')}`)]
          .filter(Boolean).join(' ');
      }
    } catch {
      // Not JSON after all: keep the generic title.
    }
  }
  if (status === 401) detail = detail || 'Sign in again.';
  if (status === 403) detail = detail || 'Your role may not do this.';
  return new ApiError(status, title, detail);
}

async function api(path, { accept = 'application/json', okStatuses = [] } = {}) {
  let response;
  try {
    response = await fetch(path, { credentials: 'same-origin', headers: authHeaders({ Accept: accept }) });
  } catch {
    throw new ApiError(0, 'ComplianceBot could not be reached.', 'Check your connection and try again.');
  }
  if (!response.ok && !okStatuses.includes(response.status)) {
    throw problemFrom(response.status, response.headers.get('Content-Type'), await response.text());
  }
  return response;
}

/** Sends a file with XMLHttpRequest, which (unlike fetch) reports upload progress. */
function upload(url, file, progress, { method = 'POST', contentType = 'text/csv' } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(authHeaders({ 'Content-Type': contentType, Accept: 'application/json' }))) {
      xhr.setRequestHeader(name, value);
    }
    progress.value = 0;
    progress.hidden = false;
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener('load', () => {
      progress.hidden = true;
      resolve({ status: xhr.status, contentType: xhr.getResponseHeader('Content-Type') || '', text: xhr.responseText });
    });
    xhr.addEventListener('error', () => {
      progress.hidden = true;
      reject(new ApiError(0, 'The upload failed.', 'Check your connection and try again.'));
    });
    xhr.send(file);
  });
}

/**
 * Throws, before a byte is sent, when the file is over the server's limit for it (from /api/me): said at once
 * rather than after the whole file went up and came back as a 413. The server refuses it too.
 */
function checkSize(file, limit, what) {
  if (!limit || file.size <= limit) return;
  const mb = (bytes) => (bytes / (1024 * 1024)).toFixed(1);
  throw new ApiError(413, `${file.name} is too large to send.`, `This ${what} is ${mb(file.size)} MB, over the limit of ${mb(limit)} MB. Nothing was sent.`);
}

function showAlert(error) {
  const alert = $('alert');
  alert.replaceChildren();
  const title = document.createElement('p');
  title.className = 'alert-title';
  title.textContent = error instanceof ApiError ? error.message : 'Something went wrong.';
  alert.append(title);
  const detail = error instanceof ApiError ? error.detail : String(error);
  if (detail) {
    const p = document.createElement('p');
    p.textContent = detail;
    alert.append(p);
  }
}

function clearAlert() {
  $('alert').replaceChildren();
}

/** Runs a UI action, turning any failure into the alert (and a 401 into the sign-in form). */
async function guarded(action) {
  clearAlert();
  try {
    await action();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      showSignIn('Your sign-in has expired or the key was not accepted. Sign in again.');
    }
    showAlert(error);
  }
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function formatDate(iso) {
  if (!iso) return '';
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

function dateElement(iso) {
  const time = el('time', formatDate(iso));
  time.dateTime = iso;
  return time;
}

function badge(status) {
  return el('span', status, `badge badge-${STATUS_CLASSES[status] || 'check'}`);
}

/** "ExpiringWithin30Days" -> "Expiring within 30 days". */
function words(name) {
  const spaced = name.replace(/([a-z])([A-Z0-9])/g, '$1 $2').replace(/([0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function todayIso() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** The file name a response's Content-Disposition suggests, or the fallback. */
function fileNameFrom(response, fallback) {
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(response.headers.get('Content-Disposition') || '');
  return match ? decodeURIComponent(match[1]) : fallback;
}

/** Starts a download of a Blob under a file name. */
function saveBlob(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const a = el('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---- CSV ------------------------------------------------------------------

/** One CSV cell, neutralised so a spreadsheet never runs it as a formula. */
export function csvCell(value) {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(rows) {
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

// ---- sign-in ----------------------------------------------------------------

function showSignIn(message) {
  state.me = null;
  for (const id of ['hr', 'manager', 'queue', 'preview', 'who', 'loading']) $(id).hidden = true;
  $('signin-msg').textContent = message;
  $('signin').hidden = false;
}

async function loadMe() {
  $('loading').hidden = false;
  const response = await api('/api/me', { okStatuses: [401] });
  $('loading').hidden = true;
  if (response.status === 401) {
    const hadKey = Boolean(apiKey());
    sessionStorage.removeItem(KEY_STORAGE);
    showSignIn(hadKey ? 'That API key was not accepted. Check it and try again.' : 'Sign in to see your clinics.');
    return;
  }
  const me = await response.json();
  state.me = me;
  const roles = me.roles || [];
  $('signin').hidden = true;
  $('who').hidden = false;
  $('who-name').textContent = me.name;
  $('who-roles').textContent = roles.length ? `(${roles.join(', ')})` : '';
  const isHr = roles.includes('HR');
  const isManager = isHr || roles.includes('Manager');
  $('hr').hidden = !isHr;
  $('manager').hidden = !isManager;
  $('queue').hidden = !isManager;
  $('preview').hidden = !isManager;
  if (isHr) guarded(loadUnfinished);
  if (isManager) fillClinics(me.clinics || []);
  if (!isHr && !isManager) {
    showAlert(new ApiError(403, 'You have no ComplianceBot role.', 'Ask HR to give you the HR or Manager role.'));
  }
}

function fillClinics(clinics) {
  const select = $('clinic');
  select.replaceChildren(...clinics.map((c) => {
    const option = el('option', c.name);
    option.value = c.id;
    return option;
  }));
  if (clinics.length === 0) {
    $('compliance-status').textContent = 'You are not a manager of any clinic yet.';
    $('compliance-table').hidden = true;
    return;
  }
  guarded(loadQueue);
  return guarded(loadCompliance);
}

// ---- verification queue ---------------------------------------------------------

async function post(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: authHeaders(body ? { Accept: 'application/json', 'Content-Type': 'application/json' } : { Accept: 'application/json' }),
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, 'ComplianceBot could not be reached.', 'Check your connection and try again.');
  }
  if (!response.ok) throw problemFrom(response.status, response.headers.get('Content-Type'), await response.text());
  return response.json();
}

async function loadQueue(done = '') {
  const id = clinicId();
  if (!id) return;
  $('queue-status').textContent = `${done} Loading renewals waiting for verification…`.trim();
  const entries = await (await api(`/api/clinics/${encodeURIComponent(id)}/submissions`)).json();
  const body = $('queue-table').querySelector('tbody');
  body.replaceChildren(...entries.map(queueRow));
  $('queue-table').hidden = entries.length === 0;
  $('queue-status').textContent = `${done} ${entries.length === 0 ? 'Nothing is waiting for verification.' : `${entries.length} waiting for verification.`}`.trim();
}

function queueRow(entry) {
  const row = el('tr');
  const person = el('th');
  person.scope = 'row';
  person.append(el('span', entry.name, 'name'), el('span', entry.employeeId, 'small muted'));
  row.append(person, el('td', `${entry.credentialName} (${entry.credential})`));
  const sent = el('td');
  sent.append(dateElement(entry.submittedAt.slice(0, 10)));
  row.append(sent);

  const dates = el('td');
  dates.append(el('span', `Issued ${formatDate(entry.issuedOn)}`, 'block'));
  if (entry.printedExpiresOn) dates.append(el('span', `Printed expiry ${formatDate(entry.printedExpiresOn)}`, 'block'));
  if (entry.computedDueOn) dates.append(el('span', `Computed ${formatDate(entry.computedDueOn)}`, 'block'));
  if (entry.credentialNumberMasked) dates.append(el('span', `Number ${entry.credentialNumberMasked}`, 'block small'));
  if (entry.dateCheck) dates.append(badge('check date'));
  row.append(dates);

  const file = el('td');
  const link = el('a', `Download (${entry.fileType === 'application/pdf' ? 'PDF' : 'photo'}, ${Math.ceil(entry.fileBytes / 1024)} KB)`);
  link.href = '#';
  link.addEventListener('click', (e) => {
    e.preventDefault();
    guarded(async () => {
      const response = await api(entry.fileUrl, { accept: '*/*' });
      const extension = entry.fileType === 'application/pdf' ? 'pdf' : entry.fileType === 'image/png' ? 'png' : 'jpg';
      saveBlob(await response.blob(), `${entry.employeeId}-${entry.credential}.${extension}`);
    });
  });
  file.append(link);
  row.append(file);

  const decision = el('td');
  const approve = el('button', 'Approve');
  approve.type = 'button';
  approve.setAttribute('aria-label', `Approve ${entry.credentialName} for ${entry.name}`);
  const reasonId = `reason-${entry.id}`;
  const label = el('label', 'Reason to reject', 'small block');
  label.htmlFor = reasonId;
  const reason = el('input');
  reason.id = reasonId;
  reason.type = 'text';
  reason.maxLength = 500;
  const reject = el('button', 'Reject', 'secondary');
  reject.type = 'button';
  reject.setAttribute('aria-label', `Reject ${entry.credentialName} for ${entry.name}`);
  approve.addEventListener('click', () => guarded(async () => {
    await post(`/api/clinics/${encodeURIComponent(clinicId())}/submissions/${encodeURIComponent(entry.id)}/approve`);
    await loadQueue(`Approved ${entry.credentialName} for ${entry.name}.`);
    await loadCompliance();
  }));
  reject.addEventListener('click', () => guarded(async () => {
    if (!reason.value.trim()) { reason.focus(); throw new ApiError(400, 'Give a reason to reject.', 'It is emailed to the person, so they can send it again.'); }
    await post(`/api/clinics/${encodeURIComponent(clinicId())}/submissions/${encodeURIComponent(entry.id)}/reject`, { reason: reason.value.trim() });
    await loadQueue(`Rejected ${entry.credentialName} for ${entry.name}; they were emailed the reason.`);
  }));
  decision.append(approve, label, reason, reject);
  row.append(decision);
  return row;
}

// ---- HR import ----------------------------------------------------------------

function importUrl(kind, dryRun) {
  const base = kind === 'records' ? '/api/records/import' : '/api/staff/import';
  return dryRun ? `${base}?dryRun=true` : base;
}

function resetImport() {
  $('import-result').hidden = true;
  $('import-status').textContent = '';
  state.importFile = null;
}

async function runImport(dryRun) {
  const file = dryRun ? $('file').files[0] : state.importFile;
  const kind = dryRun ? new FormData($('import-form')).get('kind') : state.importKind;
  if (!file) {
    throw new ApiError(0, 'Choose a CSV file first.', '');
  }
  const what = kind === 'records' ? 'training records' : 'roster';
  checkSize(file, state.me?.limits?.maxImportBytes, 'file');
  $('import-status').textContent = dryRun ? `Checking ${file.name}…` : `Importing ${file.name}…`;
  $('confirm-import').disabled = true;
  const response = await upload(importUrl(kind, dryRun), file, $('upload-progress'));
  // 422: every row was rejected; the body is still the import result with its rejected rows.
  if (response.status !== 200 && response.status !== 422) {
    $('import-status').textContent = '';
    throw problemFrom(response.status, response.contentType, response.text);
  }
  const result = JSON.parse(response.text);
  state.importFile = file;
  state.importKind = kind;
  showImportResult(result, what, file.name);
  if (response.status === 422) {
    showAlert(new ApiError(422, result.title || 'No row was accepted.', result.detail || 'Every row was rejected; see the table below. Nothing was imported.'));
  }
  if (!dryRun) refreshCompliance();
}

function showImportResult(result, what, fileName) {
  const rejected = result.rejected || [];
  const summary = result.dryRun
    ? `Checked ${fileName} (${what}): ${result.accepted} rows can be imported, ${result.rejectedCount ?? rejected.length} rejected. Nothing has been saved yet.`
    : `Imported ${fileName} (${what}): ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged, ${result.rejectedCount ?? rejected.length} rejected.`;
  $('import-status').textContent = summary;

  const counts = [['Accepted', result.accepted], ['Created', result.created], ['Updated', result.updated], ['Unchanged', result.unchanged], ['Rejected', rejected.length]];
  $('import-counts').replaceChildren(...counts.flatMap(([label, n]) => {
    const wrap = el('div');
    wrap.append(el('dt', label), el('dd', String(n)));
    return [wrap];
  }));

  const warnings = result.warnings || [];
  const warningBox = $('import-warnings');
  warningBox.replaceChildren();
  if (warnings.length) {
    warningBox.append(el('h3', 'Warnings'));
    const list = el('ul');
    list.append(...warnings.map((w) => el('li', `Row ${w.row}, ${w.field}: ${w.reason}`)));
    warningBox.append(list);
  }

  showChanges(result);
  if (state.resultUrl) URL.revokeObjectURL(state.resultUrl);
  const resultCsv = toCsv(importResultRows(result));
  state.resultUrl = URL.createObjectURL(new Blob(['\uFEFF', resultCsv], { type: 'text/csv;charset=utf-8' }));
  $('result-link').href = state.resultUrl;
  $('result-link').download = `${fileName.replace(/\.csv$/i, '')}-${result.dryRun ? 'check' : 'result'}.csv`;
  $('result-download').hidden = false;

  const body = $('rejected-table').tBodies[0];
  body.replaceChildren(...rejected.map((r) => {
    const tr = el('tr');
    const row = el('th', String(r.row));
    row.scope = 'row';
    tr.append(row, el('td', r.field), el('td', r.reason));
    return tr;
  }));
  $('rejected-table').caption.textContent = `Rejected rows (${rejected.length})`;
  $('rejected').hidden = rejected.length === 0;
  if (state.errorsUrl) URL.revokeObjectURL(state.errorsUrl);
  state.errorsUrl = null;
  if (rejected.length) {
    const csv = toCsv([['row', 'column', 'reason'], ...rejected.map((r) => [r.row, r.field, r.reason])]);
    state.errorsUrl = URL.createObjectURL(new Blob(['\uFEFF', csv], { type: 'text/csv;charset=utf-8' }));
    $('errors-link').href = state.errorsUrl;
    $('errors-link').download = `${fileName.replace(/\.csv$/i, '')}-errors.csv`;
  }

  const confirm = $('confirm-import');
  confirm.hidden = !result.dryRun;
  confirm.disabled = !result.dryRun || result.accepted === 0;
  confirm.textContent = result.accepted === 0 ? 'Confirm import (no rows to import)' : `Confirm import of ${result.accepted} rows`;
  $('import-result').hidden = false;
}

// Who was (or, in a check, would be) created, updated or moved: one collapsible list each.
function showChanges(result) {
  const box = $('import-changes');
  box.replaceChildren();
  const moved = result.movedRows || [];
  const movedKeys = new Set(moved.map((m) => `${m.row}:${m.employeeId}`));
  const updated = (result.updatedRows || []).filter((u) => !movedKeys.has(`${u.row}:${u.employeeId}`));
  const check = result.dryRun;
  const groups = [
    [check ? 'Would be created' : 'Created', result.created, result.createdRows || [], describeRow],
    [check ? 'Would be updated' : 'Updated', result.updated - (result.movedCount || 0), updated, describeRow],
    [check ? 'Would move to another clinic' : 'Moved to another clinic', result.movedCount || 0, moved,
      (m) => `${m.employeeId}: from ${m.fromClinicId} to ${m.toClinicId} (row ${m.row})`],
  ];
  for (const [label, count, rows, text] of groups) {
    if (!rows.length) continue;
    const details = el('details', null, 'changes');
    const more = count > rows.length ? ` (the first ${rows.length} are listed)` : '';
    details.append(el('summary', `${label}: ${count}${more}`));
    const list = el('ul');
    list.append(...rows.map((r) => el('li', text(r))));
    details.append(list);
    box.append(details);
  }
}

function describeRow(r) {
  return r.credential
    ? `${r.employeeId}, ${r.credential} (row ${r.row})`
    : `${r.employeeId}, ${r.clinicId} (row ${r.row})`;
}

// The import result as a spreadsheet: one line per created, updated, moved or rejected row.
export function importResultRows(result) {
  const moved = result.movedRows || [];
  const movedKeys = new Set(moved.map((m) => `${m.row}:${m.employeeId}`));
  const lines = [
    ...(result.createdRows || []).map((r) => ({ row: r.row, cells: ['created', r.employeeId, r.credential || '', r.clinicId, r.row, '', ''] })),
    ...(result.updatedRows || []).filter((r) => !movedKeys.has(`${r.row}:${r.employeeId}`))
      .map((r) => ({ row: r.row, cells: ['updated', r.employeeId, r.credential || '', r.clinicId, r.row, '', ''] })),
    ...moved.map((m) => ({ row: m.row, cells: ['moved', m.employeeId, '', `from ${m.fromClinicId} to ${m.toClinicId}`, m.row, '', ''] })),
    ...(result.rejected || []).map((r) => ({ row: r.row, cells: ['rejected', '', '', '', r.row, r.field, r.reason] })),
  ];
  lines.sort((a, b) => a.row - b.row);
  return [['outcome', 'employee_id', 'credential', 'clinic', 'row', 'field', 'reason'], ...lines.map((l) => l.cells)];
}

function wireImport() {
  $('import-form').addEventListener('submit', (e) => {
    e.preventDefault();
    guarded(() => runImport(true));
  });
  $('confirm-import').addEventListener('click', () => guarded(() => runImport(false)));
  $('file').addEventListener('change', resetImport);
  for (const radio of document.querySelectorAll('input[name="kind"]')) radio.addEventListener('change', resetImport);

  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('dragging');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('dragging');
    if (e.dataTransfer && e.dataTransfer.files.length) {
      $('file').files = e.dataTransfer.files;
      resetImport();
      $('import-status').textContent = `Chose ${e.dataTransfer.files[0].name}. Select Check file to continue.`;
      $('check-file').focus();
    }
  });
}

// ---- manager: compliance ------------------------------------------------------

function clinicId() {
  return $('clinic').value;
}

function refreshCompliance() {
  if (!$('manager').hidden && clinicId()) guarded(loadCompliance);
}

async function loadCompliance() {
  const id = clinicId();
  const table = $('compliance-table');
  table.setAttribute('aria-busy', 'true');
  $('compliance-status').textContent = 'Loading compliance…';
  try {
    const response = await api(`/api/clinics/${encodeURIComponent(id)}/compliance`);
    const report = await response.json();
    // A slower answer for the clinic chosen before must not replace the one chosen since.
    if (id === clinicId()) renderCompliance(report);
  } catch (error) {
    $('compliance-status').textContent = '';
    throw error;
  } finally {
    table.removeAttribute('aria-busy');
  }
}

function renderCompliance(report) {
  const table = $('compliance-table');
  const clinicName = $('clinic').selectedOptions[0]?.textContent || report.clinicId;
  const requirements = [];
  for (const s of report.staff) {
    for (const r of s.requirements) if (!requirements.includes(r.requirement)) requirements.push(r.requirement);
  }

  table.caption.textContent = `${clinicName}: compliance as of ${formatDate(report.asOf)}`;
  const head = el('tr');
  const staffHead = el('th', 'Staff member');
  staffHead.scope = 'col';
  head.append(staffHead, ...requirements.map((name) => {
    const th = el('th', name);
    th.scope = 'col';
    return th;
  }));
  table.tHead.replaceChildren(head);

  table.tBodies[0].replaceChildren(...report.staff.map((s) => {
    const tr = el('tr');
    tr.dataset.needsAction = String(s.needsAction);
    const who = el('th');
    who.scope = 'row';
    who.append(el('span', `${s.staff.firstName} ${s.staff.lastName}`, 'name'), el('span', `${s.staff.employeeId} · ${s.staff.role.replaceAll('_', ' ')}`, 'muted small'));
    tr.append(who);
    for (const name of requirements) {
      const td = el('td');
      const r = s.requirements.find((x) => x.requirement === name);
      if (!r) {
        td.append(el('span', 'Not required', 'muted small'));
      } else {
        td.append(badge(r.status));
        if (r.expiresOn) {
          const line = el('span', DUE_WORDS[r.status] || 'Expires ', 'small block');
          line.append(dateElement(r.expiresOn));
          td.append(line);
        }
        if (r.credentialNumberMasked) td.append(el('span', `No. ${r.credentialNumberMasked}`, 'small block muted'));
        if (r.dateCheck) td.append(el('span', 'Check the printed date', 'small block'));
        appendEvidence(td, s.staff, r);
      }
      tr.append(td);
    }
    return tr;
  }));
  table.hidden = false;
  renderDatesToCorrect(report.datesToCorrect || []);
  applyFilter(report);
}

/** The certificate link (and who verified it), and for HR the control that attaches a file to the record. */
function appendEvidence(td, staff, r) {
  const name = `${staff.firstName} ${staff.lastName}`;
  if (r.evidenceUrl) {
    const link = el('a', 'Certificate', 'small block');
    link.href = r.evidenceUrl;
    link.dataset.evidence = `${staff.employeeId}/${r.credential}`;
    link.setAttribute('aria-label', `Certificate of ${name}, ${r.requirement}`);
    // Fetched with the page's credentials (a key user's browser has no cookie to follow a plain link with).
    link.addEventListener('click', (e) => {
      e.preventDefault();
      guarded(() => downloadEvidence(r.evidenceUrl, `${staff.employeeId}-${r.credential}`));
    });
    td.append(link);
  }
  if (r.verifiedBy) {
    const line = el('span', `Verified by ${r.verifiedBy}`, 'small block muted');
    if (r.verifiedAt) line.append(' on ', dateElement(r.verifiedAt.slice(0, 10)));
    td.append(line);
  }
  if ((state.me?.roles || []).includes('HR') && r.credential && r.status !== 'missing') {
    const attach = el('button', r.evidenceUrl ? 'Replace file' : 'Attach file', 'secondary small');
    attach.type = 'button';
    attach.setAttribute('aria-label', `Attach a certificate file to ${name}, ${r.requirement}`);
    attach.addEventListener('click', () => {
      state.attachTo = { employeeId: staff.employeeId, credential: r.credential, label: `${name}, ${r.requirement}` };
      $('attach-file').value = '';
      $('attach-file').click();
    });
    td.append(attach);
  }
}

async function downloadEvidence(url, fallback) {
  const response = await api(url, { accept: '*/*' });
  const fileName = fileNameFrom(response, fallback);
  saveBlob(await response.blob(), fileName);
  $('compliance-status').textContent = `Downloaded ${fileName}.`;
}

/** PUTs the chosen file to the record HR picked, then shows the table again with its link. */
async function attachEvidence(file) {
  const target = state.attachTo;
  if (!file || !target) return;
  checkSize(file, state.me?.limits?.maxCertificateBytes, 'certificate file');
  $('compliance-status').textContent = `Attaching ${file.name} to ${target.label}…`;
  const url = `/api/staff/${encodeURIComponent(target.employeeId)}/credentials/${encodeURIComponent(target.credential)}/file`;
  const result = await upload(url, file, $('attach-progress'), { method: 'PUT', contentType: file.type || 'application/octet-stream' });
  if (result.status !== 204) {
    $('compliance-status').textContent = `${file.name} was not attached.`;
    throw problemFrom(result.status, result.contentType, result.text);
  }
  await loadCompliance();
  $('compliance-status').textContent = `Attached ${file.name} to ${target.label}.`;
  document.querySelector(`[data-evidence="${CSS.escape(`${target.employeeId}/${target.credential}`)}"]`)?.focus();
}

const FIELD_WORDS = {
  hire_date: 'hire date',
  testing_start_date: 'testing start date',
  issued_on: 'issue or completion date',
  expires_on: 'printed expiry date',
  certified_on: 'certification date',
};

function renderDatesToCorrect(dates) {
  const box = $('dates-to-correct');
  box.querySelector('ul').replaceChildren(...dates.map((d) => {
    const field = FIELD_WORDS[d.field] || d.field;
    return el('li', `${d.name} (${d.employeeId}): ${d.credential ? `${d.credential} ` : ''}${field} ${d.value}`);
  }));
  box.hidden = dates.length === 0;
}

function applyFilter(report) {
  const only = $('needs-action').checked;
  let shown = 0;
  for (const tr of $('compliance-table').tBodies[0].rows) {
    tr.hidden = only && tr.dataset.needsAction !== 'true';
    if (!tr.hidden) shown += 1;
  }
  const total = report ? report.staffCount : $('compliance-table').tBodies[0].rows.length;
  const needing = report ? report.needsAction : [...$('compliance-table').tBodies[0].rows].filter((r) => r.dataset.needsAction === 'true').length;
  $('compliance-status').textContent = total === 0
    ? 'No staff in this clinic yet.'
    : `${total} staff, ${needing} need action. Showing ${shown}.`;
}

async function downloadReport() {
  const id = clinicId();
  if (!id) return;
  const response = await api(`/api/clinics/${encodeURIComponent(id)}/compliance?format=csv`, { accept: 'text/csv' });
  const fileName = fileNameFrom(response, `compliance-${id}.csv`);
  saveBlob(await response.blob(), fileName);
  $('compliance-status').textContent = `Downloaded ${fileName}.`;
}

// ---- manager: preview -----------------------------------------------------------

const KIND_NAMES = { reminder: 'Reminder', escalation: 'Escalation to managers', digest: 'Weekly digest' };

async function loadPreview() {
  const id = clinicId();
  const asOf = $('as-of').value;
  if (!id) return;
  $('preview-status').textContent = 'Loading preview…';
  const response = await api(`/api/clinics/${encodeURIComponent(id)}/preview?asOf=${encodeURIComponent(asOf)}`);
  const preview = await response.json();
  const out = $('preview-result');
  out.replaceChildren();
  const dayNote = preview.businessDay ? '' : ' It is not a business day for this clinic, so reminders wait for the next one.';
  $('preview-status').textContent = `${preview.messages.length} email(s) on ${formatDate(preview.asOf)}.${dayNote}`;
  preview.messages.forEach((m, i) => {
    const article = el('article', null, 'message');
    const headingId = `message-${i}`;
    article.setAttribute('aria-labelledby', headingId);
    const h = el('h3', `${KIND_NAMES[m.kind] || m.kind} to ${m.to.join(', ')}`);
    h.id = headingId;
    article.append(h);
    if (m.counts) {
      article.append(el('p', Object.entries(m.counts).map(([k, n]) => `${words(k)}: ${n}`).join(' · '), 'muted small'));
    }
    const table = el('table');
    table.append(el('caption', `${m.items.length} item(s)`, 'sr-only'));
    const head = el('tr');
    head.append(...['Staff member', 'Requirement', 'Status', 'Due or expires'].map((t) => {
      const th = el('th', t);
      th.scope = 'col';
      return th;
    }));
    table.createTHead().append(head);
    const body = table.createTBody();
    for (const item of m.items) {
      const tr = el('tr');
      const who = el('th', item.name);
      who.scope = 'row';
      const status = el('td');
      status.append(badge(item.status));
      if (item.daysLeft !== null && item.daysLeft !== undefined) {
        status.append(el('span', item.daysLeft < 0 ? `${-item.daysLeft} days overdue` : `${item.daysLeft} days left`, 'small block'));
      }
      const expires = el('td');
      if (item.expiresOn) expires.append(dateElement(item.expiresOn));
      tr.append(who, el('td', item.requirement), status, expires);
      body.append(tr);
    }
    const wrap = el('div', null, 'table-wrap');
    wrap.append(table);
    article.append(wrap);
    out.append(article);
  });
}

// ---- unfinished imports ----------------------------------------------------------

/** Imports that started over a minute ago and never finished (the app stopped part-way): HR uploads those files again. */
async function loadUnfinished() {
  const imports = await (await api('/api/imports?unfinished=true')).json();
  const body = $('unfinished-table').tBodies[0];
  body.replaceChildren(...imports.map((i) => {
    const row = el('tr');
    const started = el('td');
    const at = el('time', new Date(i.startedAt).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' }));
    at.dateTime = i.startedAt;
    started.append(at);
    row.append(started, el('td', i.actor), el('td', i.kind === 'records' ? 'Training records' : 'Roster'), el('td', i.importId));
    return row;
  }));
  $('unfinished-wrap').hidden = imports.length === 0;
  $('unfinished-status').textContent = imports.length === 0
    ? 'Every import of the last 30 days finished.'
    : `${imports.length} import(s) stopped part-way: some rows may be saved and others not. Upload the same file again to finish it; rows already saved are left as they are.`;
}

// ---- start ----------------------------------------------------------------------

function wire() {
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const key = $('api-key').value.trim();
    sessionStorage.setItem(KEY_STORAGE, key);
    $('api-key').value = '';
    guarded(loadMe);
  });
  $('sign-out').addEventListener('click', () => {
    const usedKey = Boolean(apiKey());
    sessionStorage.removeItem(KEY_STORAGE);
    if (!usedKey) {
      window.location.assign('/.auth/logout?post_logout_redirect_uri=/api/app/');
      return;
    }
    resetImport();
    showSignIn('Signed out. The key was forgotten.');
    $('api-key').focus();
  });
  $('clinic').addEventListener('change', () => {
    $('preview-result').replaceChildren();
    $('preview-status').textContent = '';
    guarded(loadQueue);
    guarded(loadCompliance);
  });
  $('needs-action').addEventListener('change', () => applyFilter(null));
  $('download-report').addEventListener('click', () => guarded(downloadReport));
  $('attach-file').addEventListener('change', (e) => guarded(() => attachEvidence(e.target.files[0])));
  $('preview-form').addEventListener('submit', (e) => {
    e.preventDefault();
    guarded(loadPreview);
  });
  $('refresh-unfinished').addEventListener('click', () => guarded(loadUnfinished));
  $('as-of').value = todayIso();
  wireImport();
}

wire();
guarded(loadMe);
