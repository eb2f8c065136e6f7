// The staff renewal page. The personal token is the link's fragment (#...): browsers never send a fragment to a
// server, so the token stays out of request logs and Referer headers. It is sent only in the X-Renewal-Token header.
const token = decodeURIComponent(location.hash.slice(1));
history.replaceState(null, '', location.pathname); // keep the token out of the address bar once read

const $ = (id) => document.getElementById(id);

function showAlert(title, detail) {
  const alert = $('alert');
  alert.replaceChildren();
  const heading = document.createElement('p');
  heading.className = 'alert-title';
  heading.textContent = title;
  const text = document.createElement('p');
  text.textContent = detail;
  alert.append(heading, text);
  $('main').focus();
}

async function problemOf(response) {
  try {
    const body = await response.json();
    return { title: body.title ?? 'Something went wrong', detail: body.detail ?? '', errors: body.errors ?? {} };
  } catch {
    return { title: 'Something went wrong', detail: `The server answered ${response.status}. Try again in a minute.`, errors: {} };
  }
}

const dateFormat = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
const formatDate = (iso) => dateFormat.format(new Date(`${iso.slice(0, 10)}T00:00:00Z`));

const days = (n) => (n === 1 ? '1 day' : `${n} days`);

function statusLine(item) {
  if (item.state === 'missing') return item.dueOn ? `Missing: due ${formatDate(item.dueOn)}` : 'Missing: no record on file';
  if (item.state === 'current') return item.dueOn ? `Up to date: good until ${formatDate(item.dueOn)}` : 'Up to date';
  if (item.daysLeft < 0) return `Expired ${formatDate(item.dueOn)} (${days(-item.daysLeft)} ago)`;
  if (item.daysLeft === 0) return `Due today, ${formatDate(item.dueOn)}`;
  if (item.dueOn) return `Due ${formatDate(item.dueOn)} (${days(item.daysLeft)} left)`;
  return 'The date on file needs checking';
}

function submissionLine(submission) {
  if (!submission) return '';
  const sent = formatDate(submission.submittedAt);
  switch (submission.state) {
    case 'pending': return `Waiting for verification: you sent it on ${sent}. You can send a corrected one below.`;
    case 'approved': return `Verified on ${formatDate(submission.decidedAt)}. Thank you!`;
    case 'rejected': return `Not accepted on ${formatDate(submission.decidedAt)}: ${submission.reason}. Please send it again.`;
    default: return '';
  }
}

let counter = 0;
function renderItem(item, maxFileBytes) {
  const node = $('item-template').content.firstElementChild.cloneNode(true);
  const id = `item-${++counter}`;
  node.querySelector('.item-title').textContent = item.requirement;
  node.querySelector('.item-title').id = `${id}-h`;
  node.setAttribute('aria-labelledby', `${id}-h`);
  node.querySelector('.item-status').textContent = statusLine(item);
  node.querySelector('.item-steps').textContent = item.renewalSteps ? `What renewal takes: ${item.renewalSteps}` : '';
  node.querySelector('.item-submission').textContent = submissionLine(item.submission);
  node.querySelector('.file-hint').textContent = `JPEG, PNG or PDF, at most ${Math.floor(maxFileBytes / (1024 * 1024))} MB. On a phone you can take a photo.`;

  const form = node.querySelector('form');
  form.setAttribute('aria-labelledby', `${id}-h`);
  form.dataset.maxFileBytes = String(maxFileBytes);
  for (const field of form.querySelectorAll('.field')) {
    const input = field.querySelector('input, select');
    const label = field.querySelector('label');
    input.id = `${id}-${input.name}`;
    label.htmlFor = input.id;
    const hint = field.querySelector('.hint');
    if (hint) { hint.id = `${input.id}-hint`; input.setAttribute('aria-describedby', hint.id); }
  }

  const select = form.elements.code;
  for (const code of item.codes) select.add(new Option(`${code.name} (${code.code})`, code.code));
  if (item.codes.length < 2) form.querySelector('.code-field').hidden = true;

  const approved = item.state === 'current' && item.submission?.state === 'approved';
  if (approved || item.state === 'current') form.hidden = true;
  form.addEventListener('submit', (event) => { event.preventDefault(); submit(form, node); });
  return node;
}

function submit(form, node) {
  const error = form.querySelector('.form-error');
  error.textContent = '';
  const file = form.elements.file.files[0];
  if (!form.elements.issuedOn.value) { error.textContent = 'Enter the completion or issue date.'; form.elements.issuedOn.focus(); return; }
  if (!file) { error.textContent = 'Add a photo or PDF of the card or certificate.'; form.elements.file.focus(); return; }
  // Said before sending, rather than after minutes of uploading on a phone (the server refuses it too).
  const maxFileBytes = Number(form.dataset.maxFileBytes);
  if (file.size > maxFileBytes) {
    const mb = (bytes) => (bytes / (1024 * 1024)).toFixed(1);
    error.textContent = `This file is ${mb(file.size)} MB; the most is ${mb(maxFileBytes)} MB. Take the photo at a lower resolution, or scan the card as a PDF.`;
    form.elements.file.focus();
    return;
  }

  // Fields first, file last: the server reads the fields before it streams the file to storage.
  const data = new FormData();
  data.append('code', form.elements.code.value);
  data.append('issuedOn', form.elements.issuedOn.value);
  if (form.elements.expiresOn.value) data.append('expiresOn', form.elements.expiresOn.value);
  if (form.elements.credentialNumber.value) data.append('credentialNumber', form.elements.credentialNumber.value);
  data.append('file', file, file.name);

  const button = form.querySelector('button');
  const progress = form.querySelector('.upload-progress');
  button.disabled = true;
  progress.hidden = false;
  progress.value = 0;
  progress.setAttribute('aria-label', 'Upload progress');

  // XMLHttpRequest rather than fetch: it reports upload progress for large photos.
  const request = new XMLHttpRequest();
  request.open('POST', '/api/renewal');
  request.setRequestHeader('X-Renewal-Token', token);
  request.upload.addEventListener('progress', (e) => { if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100); });
  request.addEventListener('load', async () => {
    button.disabled = false;
    progress.hidden = true;
    if (request.status === 201) {
      await load(`Sent. Your office manager will check your ${node.querySelector('.item-title').textContent}.`);
      return;
    }
    const problem = await problemOf(new Response(request.responseText, { status: request.status }));
    const fieldErrors = Object.values(problem.errors).flat();
    error.textContent = fieldErrors.length ? `${problem.title} ${fieldErrors.join(' ')}` : `${problem.title}: ${problem.detail}`;
    if (request.status === 401 || request.status === 410 || request.status === 429) showAlert(problem.title, problem.detail);
  });
  request.addEventListener('error', () => {
    button.disabled = false;
    progress.hidden = true;
    error.textContent = 'The upload did not finish (the connection dropped). Nothing was saved; try again.';
  });
  request.send(data);
}

async function load(message) {
  $('loading').hidden = false;
  if (!token) {
    $('loading').hidden = true;
    showAlert('This page needs your personal link', 'Open the "I\'ve renewed: update my record" link in your reminder email.');
    return;
  }

  const response = await fetch('/api/renewal', { headers: { 'X-Renewal-Token': token }, cache: 'no-store' });
  $('loading').hidden = true;
  if (!response.ok) {
    const problem = await problemOf(response);
    $('intro').hidden = true;
    $('items').hidden = true;
    showAlert(problem.title, problem.detail);
    return;
  }

  const page = await response.json();
  $('first-name').textContent = page.firstName;
  $('clinic-name').textContent = page.clinicName;
  $('link-expires').textContent = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeStyle: 'short' }).format(new Date(page.linkExpiresAt));
  $('item-list').replaceChildren(...page.items.map((item) => renderItem(item, page.maxFileBytes)));
  $('nothing').hidden = page.items.some((item) => item.state !== 'current');
  $('intro').hidden = false;
  $('items').hidden = false;
  if (message) showAlert('Thank you', message);
}

load();
