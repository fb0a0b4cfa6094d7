// Form checks the console runs before it sends anything: a missing field is named and marked,
// and nothing typed is cleared, so the operator fixes the one thing and submits again.
import { t } from './i18n.js';

/** Mark each empty control of `fields` ([name, labelKey] pairs) and return the labels of the empty ones. */
export function missingFields(form, fields) {
  const missing = [];
  for (const [name, key] of fields) {
    const el = form.elements.namedItem(name);
    if (!el) continue;
    const empty = !String(el.value ?? '').trim();
    mark(el, empty);
    if (empty) missing.push(t(key));
  }
  return missing;
}

/** Mark or unmark one control as invalid (red, and aria-invalid for screen readers). */
export function mark(el, invalid) {
  el.classList.toggle('invalid', invalid);
  if (invalid) el.setAttribute('aria-invalid', 'true');
  else el.removeAttribute('aria-invalid');
}

/** "Missing: Title, Reported by" in the current language. */
export const missingMessage = (labels) => `${t('missing')}: ${labels.join(', ')}`;

/**
 * Check the review's action rows ([{action, owner, due, inputs}]): a row without an action or a
 * due date is skipped, any other row needs all three. Returns {actions, problems}.
 */
export function checkActionRows(rows) {
  const actions = [];
  const problems = [];
  rows.forEach((r, i) => {
    const values = { action: r.action.trim(), owner: r.owner.trim(), due: r.due.trim() };
    // The owner comes filled in with the department, so a row counts once it has an action or a due date.
    const blank = !values.action && !values.due;
    const lacking = blank ? [] : ['action', 'owner', 'due'].filter((k) => !values[k]);
    for (const k of ['action', 'owner', 'due']) if (r.inputs?.[k]) mark(r.inputs[k], lacking.includes(k));
    if (lacking.length)
      problems.push(
        `${t('row').replace('{n}', String(i + 1))}: ${lacking.map((k) => t(k === 'action' ? 'needAction' : k === 'owner' ? 'needOwner' : 'needDue')).join('; ')}`,
      );
    else if (!blank) actions.push(values);
  });
  return { actions, problems };
}
